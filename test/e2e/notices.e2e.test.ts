import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { addWorkingDays, parisDate } from '../../src/calendar/index.js';
import { addCalendarDays } from '../../src/calendar/isoDate.js';

// Notices by e-mail as ops make them: the esav command records a change, the running gateway's
// sender (woken by NOTIFY) delivers the notice to a real SMTP server. Real clock.
const A = '552100554';
const B = '732829320';
const C = '380129866';
let t: TestGateway;
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startTestSmtp();
  t = await startTestGateway({ ESAV_SMTP_URL: smtp.url, ESAV_MAIL_POLL_MS: '200' });
});

afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

describe('operator contacts', () => {
  it('operator add --email, operator contact, operator contacts; bad input says what to fix', () => {
    expect(esavOk(t.env, 'operator', 'add', '--siren', A, '--name', 'Opérateur A', '--email', 'noc@a.test')).toBe(`operator ${A} (Opérateur A) added, notices to noc@a.test\n`);
    esavOk(t.env, 'operator', 'add', '--siren', B, '--name', 'Opérateur B');
    esavOk(t.env, 'operator', 'add', '--siren', C, '--name', 'Opérateur C');
    expect(esavOk(t.env, 'operator', 'contact', '--siren', B, '--email', 'exploitation@b.test', '--role', 'administrateur')).toBe(`contact exploitation@b.test (administrateur) added to operator ${B}\n`);
    expect(esavOk(t.env, 'operator', 'contacts')).toBe(`${A} technique noc@a.test\n${B} administrateur exploitation@b.test\n`);
    const bad = esav(t.env, 'operator', 'contact', '--siren', A, '--email', 'pas-une-adresse');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--email must be an e-mail address, got "pas-une-adresse"');
    const role = esav(t.env, 'operator', 'contact', '--siren', A, '--email', 'x@a.test', '--role', 'chef');
    expect(role.stderr).toContain('--role must be one of technique, administrateur, commercial');
    expect(esav(t.env, 'operator', 'contact', '--siren', '123456789', '--email', 'x@a.test').stderr).toContain('operator 123456789 does not exist');
  });
});

describe('notices reach the SMTP server', () => {
  it('esav maintenance add: each operator\'s contacts get the announcement; one without a contact is held, then released', async () => {
    const day = addWorkingDays(parisDate(new Date()), 3);
    const out = esavOk(t.env, 'maintenance', 'add', '--from', `${day}T22:00`, '--to', `${addCalendarDays(day, 1)}T01:00`, '--reason', 'montée de version PostgreSQL');
    expect(out).toMatch(/; 3 operator notice\(s\) queued\n$/);
    const toA = await smtp.waitFor((m) => m.envelopeTo.includes('noc@a.test') && /^\[e-SAV\] Travaux programmés/.test(m.mail.subject ?? ''), 'maintenance notice to A');
    expect(toA.envelopeTo).toEqual(['noc@a.test']);
    expect(toA.mail.text).toContain('Motif : montée de version PostgreSQL');
    expect(toA.mail.text).toContain('Durée prévisionnelle : 3 h');
    expect(toA.mail.text).toContain(`Opérateur : Opérateur A (SIREN ${A})`);
    const toB = await smtp.waitFor((m) => m.envelopeTo.includes('exploitation@b.test') && /^\[e-SAV\] Travaux programmés/.test(m.mail.subject ?? ''), 'maintenance notice to B');
    expect(toB.envelopeTo).toEqual(['exploitation@b.test']);

    expect(esavOk(t.env, 'outbox', 'list', '--status', 'held')).toMatch(new RegExp(`^\\d+ held maintenance attempts=0 created \\S+ to=- ".*" error: operator ${C} has no contact e-mail: add one with esav operator contact --siren ${C}`, 'm'));
    expect(esavOk(t.env, 'operator', 'contact', '--siren', C, '--email', 'noc@c.test')).toBe(`contact noc@c.test (technique) added to operator ${C}; 1 held notice(s) released\n`);
    const toC = await smtp.waitFor((m) => m.envelopeTo.includes('noc@c.test'), 'released notice to C');
    expect(toC.mail.subject).toMatch(/^\[e-SAV\] Travaux programmés : interruption du service le /);
  });

  it('esav ratelimit set for one operator: only that operator is told', async () => {
    const tomorrow = addCalendarDays(parisDate(new Date()), 1);
    expect(esavOk(t.env, 'ratelimit', 'set', '--operator', B, '--per-minute', '600', '--from', tomorrow)).toMatch(/; 1 operator notice\(s\) queued\n$/);
    const n = await smtp.waitFor((m) => /^\[e-SAV\] Limitation à 600 requêtes par minute/.test(m.mail.subject ?? ''), 'rate-limit notice');
    expect(n.envelopeTo).toEqual(['exploitation@b.test']);
    expect(n.mail.text).toContain('LIMITE_DEBIT_DEPASSEE');
    expect(smtp.received.filter((m) => /Limitation/.test(m.mail.subject ?? ''))).toHaveLength(1);
  });

  it('esav outbox list shows what was sent; retry refuses a sent notice; bad flags are explained', async () => {
    // The gateway marks a notice sent just after the SMTP server accepted it.
    const lines = (s: string) => s.trim().split('\n').filter(Boolean).length;
    let sent = '';
    for (let i = 0; i < 50; i++) {
      sent = esavOk(t.env, 'outbox', 'list', '--status', 'sent');
      if (lines(sent) >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sent.trim().split('\n')).toHaveLength(4);
    expect(sent).toMatch(/ sent limite-debit attempts=1 sent \S+ to=exploitation@b.test "\[e-SAV\] Limitation à 600/);
    const id = /^(\d+) /.exec(sent)![1]!;
    const again = esav(t.env, 'outbox', 'retry', '--id', id);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`notice ${id} is sent: only failed or held notices are sent again`);
    expect(esav(t.env, 'outbox', 'list', '--status', 'parti').stderr).toContain('--status must be one of pending, sent, failed, held');
    expect(esavOk(t.env, 'operator', 'contact', '--siren', C, '--email', 'noc@c.test', '--remove')).toBe(`contact noc@c.test removed from operator ${C}\n`);
  });
});
