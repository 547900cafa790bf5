import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { simpleParser } from 'mailparser';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { createPool, inTransaction, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { enqueue, listOutbox, notifyOperators, releaseHeld, retryOutbox, getOutbox } from '../../src/notices/outbox.js';
import { EmlDelivery, OutboxSender, SmtpDelivery, backoffMs } from '../../src/notices/sender.js';
import { setContact } from '../../src/notices/contacts.js';
import { mailSettings } from '../../src/notices/settings.js';
import { esavAsync } from '../support/cli.js';

// The durable outbox against a real PostgreSQL and a real SMTP server (smtp-server on loopback).
let tdb: TestDatabase;
let pool: Pool;
let smtp: TestSmtp;
const log = pino({ level: 'silent' });
const FROM = 'e-SAV <esav@gateway.test>';
let now = new Date('2026-05-18T08:00:00Z');
const clock = () => now;
const settings = { maxAttempts: 4, retryBaseMs: 60_000, retryMaxMs: 3_600_000, pollMs: 60_000 };
let seq = 0;
const key = (what: string) => `test:${what}:${++seq}`;

function smtpSender(s = settings): OutboxSender {
  return new OutboxSender(pool, new SmtpDelivery(smtp.url, FROM), s, clock, log);
}

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 8, 5000);
  await migrate(pool);
  await pool.query(`INSERT INTO operators (siren, name) VALUES ('552100554', 'Opérateur Un'), ('732829320', 'Opérateur Deux')`);
  smtp = await startTestSmtp();
});

afterAll(async () => {
  await smtp?.close();
  await pool?.end();
  await tdb?.drop();
});

beforeEach(async () => {
  // Each test starts with nothing pending (earlier tests leave sent or failed rows only).
  await pool.query(`UPDATE outbox SET status = 'failed' WHERE status IN ('pending', 'held')`);
  smtp.refuseNext(0, 451);
});

describe('enqueue', () => {
  it('makes one notice per dedupe key, also when enqueued concurrently', async () => {
    const k = key('dedupe');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => enqueue(pool, { kind: 'test', dedupeKey: k, to: ['noc@op.test'], subject: 'Un', text: 'x' }, now)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM outbox WHERE dedupe_key = $1', [k])).rows[0].n).toBe(1);
  });

  it('belongs to the caller\'s transaction: a rolled-back change leaves no notice', async () => {
    const k = key('rollback');
    await expect(
      inTransaction(pool, async (c) => {
        await enqueue(c, { kind: 'test', dedupeKey: k, to: ['noc@op.test'], subject: 'Annulé', text: 'x' }, now);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await pool.query('SELECT count(*)::int AS n FROM outbox WHERE dedupe_key = $1', [k])).rows[0].n).toBe(0);
  });
});

describe('the SMTP sender', () => {
  it('delivers to the SMTP server: recipient, subject, body, Reply-To, a stable Message-ID', async () => {
    const { id } = await enqueue(pool, {
      kind: 'maintenance', dedupeKey: key('smtp'), to: ['noc@op-un.test', 'astreinte@op-un.test'], siren: '552100554', replyTo: 'soutien@fournisseur.test',
      subject: '[e-SAV] Interruption programmée le mardi 8 décembre', text: 'Bonjour,\n\nDébut : mardi 8 décembre 2026 à 22:00 (heure de Paris)\n',
    }, now);
    const before = smtp.received.length;
    const sender = smtpSender();
    expect(await sender.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
    await sender.stop();
    expect(smtp.received).toHaveLength(before + 1);
    const got = smtp.received.at(-1)!;
    expect(got.envelopeTo).toEqual(['noc@op-un.test', 'astreinte@op-un.test']);
    expect(got.mail.subject).toBe('[e-SAV] Interruption programmée le mardi 8 décembre');
    expect(got.mail.text).toContain('Début : mardi 8 décembre 2026 à 22:00 (heure de Paris)');
    expect(got.mail.from?.value).toEqual([{ name: 'e-SAV', address: 'esav@gateway.test' }]);
    expect(got.mail.replyTo?.text).toBe('soutien@fournisseur.test');
    expect(got.mail.messageId).toBe(`<outbox-${id}.${now.getTime()}@gateway.test>`);
    expect(got.mail.headers.get('x-esav-notice')).toBe('maintenance');
    expect(got.raw).toMatch(/^Subject: /m);
    const row = (await getOutbox(pool, id!))!;
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null, sentAt: now });
    expect(row.delivery).toMatch(/^smtp 250/);
  });

  it('retries a temporary refusal with backoff, then sends once', async () => {
    const { id } = await enqueue(pool, { kind: 'test', dedupeKey: key('retry'), to: ['noc@op.test'], subject: 'Réessayé', text: 'corps' }, now);
    smtp.refuseNext(2, 451);
    const sender = smtpSender();
    const start = now;
    try {
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
      let row = (await getOutbox(pool, id!))!;
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.lastError).toMatch(/attempt 1: .*451/);
      expect(row.nextAttemptAt).toEqual(new Date(start.getTime() + backoffMs(1, settings.retryBaseMs, settings.retryMaxMs)));
      // Not due yet: nothing is tried.
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
      now = row.nextAttemptAt;
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 1, failed: 0 });
      row = (await getOutbox(pool, id!))!;
      // the delay doubles
      expect(row.nextAttemptAt).toEqual(new Date(now.getTime() + 2 * settings.retryBaseMs));
      now = row.nextAttemptAt;
      expect(await sender.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(await getOutbox(pool, id!)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
      expect(smtp.received.filter((r) => r.mail.subject === 'Réessayé')).toHaveLength(1);
    } finally {
      await sender.stop();
    }
  });

  it('gives up after the last attempt: the failure is kept, listed, and ops can send it again', async () => {
    const { id } = await enqueue(pool, { kind: 'test', dedupeKey: key('giveup'), to: ['noc@op.test'], subject: 'Abandonné', text: 'corps' }, now);
    smtp.refuseNext(100, 421);
    const sender = smtpSender({ ...settings, maxAttempts: 2 });
    try {
      expect((await sender.runOnce()).retried).toBe(1);
      now = (await getOutbox(pool, id!))!.nextAttemptAt;
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 0, failed: 1 });
      const failed = await listOutbox(pool, { status: 'failed' });
      const row = failed.find((r) => r.id === id)!;
      expect(row).toMatchObject({ status: 'failed', attempts: 2 });
      expect(row.lastError).toMatch(/attempt 2: .*421/);
      // a failed notice is not tried again by itself
      now = new Date(now.getTime() + 86_400_000);
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0 });
      smtp.refuseNext(0, 421);
      const again = await retryOutbox(pool, id!, now);
      expect(again).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await sender.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
      expect(await retryOutbox(pool, id!, now)).toMatch(/is sent: only failed or held/);
    } finally {
      await sender.stop();
    }
  });

  it('a permanent refusal (5xx) fails at once, without retries', async () => {
    const { id } = await enqueue(pool, { kind: 'test', dedupeKey: key('permanent'), to: ['inconnu@op.test'], subject: 'Refusé', text: 'corps' }, now);
    smtp.refuseNext(1, 550);
    const sender = smtpSender();
    try {
      expect(await sender.runOnce()).toEqual({ sent: 0, retried: 0, failed: 1 });
      const row = (await getOutbox(pool, id!))!;
      expect(row).toMatchObject({ status: 'failed', attempts: 1 });
      expect(row.lastError).toMatch(/550/);
    } finally {
      await sender.stop();
    }
  });

  it('two senders at once (two processes) send each notice exactly once', async () => {
    const subjects = Array.from({ length: 30 }, (_, i) => `Concurrence ${seq}-${i}`);
    for (const s of subjects) await enqueue(pool, { kind: 'test', dedupeKey: key('concurrent'), to: ['noc@op.test'], subject: s, text: 'corps' }, now);
    const a = smtpSender();
    const b = smtpSender();
    try {
      const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(ra.sent + rb.sent).toBe(30);
      for (const s of subjects) expect(smtp.received.filter((r) => r.mail.subject === s)).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('operators\' notices', () => {
  it('go to each operator\'s own contacts; without one they are held, and released when a contact is added', async () => {
    await setContact(pool, { siren: '552100554', email: 'noc@op-un.test', role: 'technique' });
    const k = key('operators');
    const created = await notifyOperators(pool, null, (op) => ({ kind: 'test', dedupeKey: `${k}:${op.siren}`, subject: `Pour ${op.name}`, text: op.siren }), now);
    expect(created).toBe(2);
    // twice: nothing new
    expect(await notifyOperators(pool, null, (op) => ({ kind: 'test', dedupeKey: `${k}:${op.siren}`, subject: `Pour ${op.name}`, text: op.siren }), now)).toBe(0);
    const rows = (await listOutbox(pool, {})).filter((r) => r.dedupeKey.startsWith(k));
    const one = rows.find((r) => r.siren === '552100554')!;
    const two = rows.find((r) => r.siren === '732829320')!;
    expect(one).toMatchObject({ status: 'pending', to: ['noc@op-un.test'] });
    expect(two).toMatchObject({ status: 'held', to: [] });
    expect(two.lastError).toMatch(/no contact e-mail: add one with esav operator contact --siren 732829320/);
    await setContact(pool, { siren: '732829320', email: 'exploitation@op-deux.test', role: 'technique' });
    expect(await releaseHeld(pool, '732829320', ['exploitation@op-deux.test'], now)).toBe(1);
    const sender = smtpSender();
    try {
      await sender.runOnce();
    } finally {
      await sender.stop();
    }
    const toTwo = smtp.received.find((r) => r.mail.subject === 'Pour Opérateur Deux')!;
    expect(toTwo.envelopeTo).toEqual(['exploitation@op-deux.test']);
    expect(smtp.received.find((r) => r.mail.subject === 'Pour Opérateur Un')!.envelopeTo).toEqual(['noc@op-un.test']);
  });
});

describe('the .eml default (no SMTP settings)', () => {
  it('esav outbox flush without ESAV_SMTP_URL writes the due notices under ESAV_DATA_DIR/outbox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esav-data-'));
    try {
      await enqueue(pool, { kind: 'evolution', dedupeKey: key('flush'), to: ['noc@op.test'], subject: '[e-SAV] Évolution mineure : test v2', text: 'Production le lundi 8 février 2027.\n' }, new Date());
      const r = await esavAsync({ DATABASE_URL: tdb.url, ESAV_DATA_DIR: dir, ESAV_SMTP_URL: '' }, 'outbox', 'flush');
      expect(r).toMatchObject({ status: 0, stdout: 'sent 1, to retry 0, failed 0\n' });
      const files = readdirSync(join(dir, 'outbox'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{8}-evolution\.eml$/);
      const mail = await simpleParser(readFileSync(join(dir, 'outbox', files[0]!)));
      expect(mail.subject).toBe('[e-SAV] Évolution mineure : test v2');
      expect(mail.text).toContain('Production le lundi 8 février 2027.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('settings: no URL means .eml files; a bad URL or address stops the start with the variable named', () => {
    expect(mailSettings({}, '/data', 'gw.example')).toMatchObject({ smtpUrl: undefined, outboxDir: '/data/outbox', from: 'e-SAV <esav@gw.example>', maxAttempts: 8 });
    expect(() => mailSettings({ ESAV_SMTP_URL: 'http://mail' }, '/data', 'x')).toThrow(/ESAV_SMTP_URL=http:\/\/mail is invalid/);
    expect(() => mailSettings({ ESAV_SUPPORT_EMAIL: 'soutien' }, '/data', 'x')).toThrow(/ESAV_SUPPORT_EMAIL=soutien is invalid/);
    expect(mailSettings({ ESAV_SMTP_URL: 'smtps://u:p@smtp.example:465' }, '/data', 'x').smtpUrl).toBe('smtps://u:p@smtp.example:465');
  });

  it('writes one RFC 822 file per notice under the outbox folder, which parses back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esav-outbox-'));
    try {
      const { id } = await enqueue(pool, { kind: 'limite-debit', dedupeKey: key('eml'), to: ['noc@op.test'], subject: '[e-SAV] Limitation à 600 requêtes par minute', text: 'À partir du mardi 2 juin.\n' }, now);
      const sender = new OutboxSender(pool, new EmlDelivery(join(dir, 'outbox'), FROM), settings, clock, log);
      expect(await sender.runOnce()).toEqual({ sent: 1, retried: 0, failed: 0 });
      await sender.stop();
      const files = readdirSync(join(dir, 'outbox'));
      expect(files).toEqual([`${String(id).padStart(8, '0')}-limite-debit.eml`]);
      const raw = readFileSync(join(dir, 'outbox', files[0]!));
      expect(raw.toString('latin1')).toMatch(/\r\n\r\n/); // CRLF, as on the wire
      const mail = await simpleParser(raw);
      expect(mail.subject).toBe('[e-SAV] Limitation à 600 requêtes par minute');
      expect((mail.to as { text: string }).text).toBe('noc@op.test');
      expect(mail.text).toContain('À partir du mardi 2 juin.');
      expect((await getOutbox(pool, id!))!.delivery).toBe(`file ${join(dir, 'outbox', files[0]!)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
