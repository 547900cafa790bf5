import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createLogger } from '../../src/log.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { migrate } from '../../src/db/migrate.js';
import { NotificationHub } from '../../src/db/notifications.js';
import { IdentityResolver } from '../../src/identity/resolver.js';
import { createCa, issueClientCert } from '../../src/pki/certs.js';
import { generateRsaKeyPair } from '../../src/pki/keys.js';
import { countActive, dueRenewals, insertCertificate, listAudit, MAX_ACTIVE_PER_OPERATOR, renewalDate, sweep } from '../../src/pki/store.js';
import { SoapFault } from '../../src/soap/faults.js';

// Renewal overlap, six-month rule and limits against a real PostgreSQL with a pinned clock.
const OP = '380129866';
const DAY = 86_400_000;
const NOW = new Date('2026-06-01T08:00:00Z');
const ca = createCa('Lifecycle test CA');
const { publicKeyPem } = generateRsaKeyPair(2048);
let tdb: TestDatabase;
let pool: pg.Pool;
let hub: NotificationHub;
let identity: IdentityResolver;
const log = createLogger('silent');

function cert(notBefore: Date, notAfter: Date, scope: 'esav' | 'ftth' = 'esav'): string {
  return issueClientCert(ca, { siren: OP, operatorName: 'Op', scope, notBefore, notAfter, publicKeyPem }).certPem;
}

async function outcome(fingerprint: string, now: Date): Promise<string> {
  try {
    await identity.resolvePeer({ fingerprint, clientAuth: true }, now);
    return 'ok';
  } catch (err) {
    return (err as SoapFault).code ?? String(err);
  }
}

async function status(fp: string): Promise<string> {
  return (await pool.query('SELECT status FROM certificates WHERE fingerprint = $1', [fp])).rows[0].status;
}

async function until(fn: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = new pg.Pool({ connectionString: tdb.url });
  // The database is dropped WITH (FORCE) at the end: an idle client's termination is expected.
  pool.on('error', () => undefined);
  await migrate(pool);
  await pool.query("INSERT INTO operators (siren, name) VALUES ($1, 'Op')", [OP]);
  hub = new NotificationHub(tdb.url, ['esav_identity'], log);
  await hub.start();
  identity = new IdentityResolver(pool, hub, log);
});

afterAll(async () => {
  await hub?.close();
  await pool?.end();
  await tdb?.drop();
});

describe('renewal date: expiry minus 15 French working days', () => {
  it('skips weekends and public holidays (1 and 8 May, Ascension, Whit Monday 2026)', () => {
    // Tuesday 26 May 2026, 12:00 Paris -> Wednesday 29 April 2026, 12:00 Paris.
    expect(renewalDate(new Date('2026-05-26T10:00:00Z')).toISOString()).toBe('2026-04-29T10:00:00.000Z');
  });
});

describe('renewal overlap (pinned clock)', () => {
  it('old and new both accepted; the old one superseded at the first use of the new one, still accepted until it expires', async () => {
    const oldPem = cert(new Date(NOW.getTime() - 300 * DAY), new Date(NOW.getTime() + 10 * DAY));
    const old = await insertCertificate(pool, { siren: OP, scope: 'esav', pem: oldPem, source: 'provider' });
    // Ten calendar days before expiry is past the renewal date: due and overdue.
    const due = await dueRenewals(pool, NOW);
    expect(due.map((d) => [d.fingerprint, d.overdue, d.source])).toEqual([[old.fingerprint, true, 'provider']]);
    expect(due[0]!.deadline).toMatch(/^provider delivers the new certificate by 2026-05-/);
    expect(due[0]!.switchDeadline!.toISOString()).toBe(new Date(NOW.getTime() - 20 * DAY).toISOString());

    const next = await insertCertificate(pool, { siren: OP, scope: 'esav', pem: cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 365 * DAY)), source: 'provider', renews: old.fingerprint });
    expect(await dueRenewals(pool, NOW)).toEqual([]); // renewed: no longer due
    expect(await countActive(pool, OP)).toBe(1); // a certificate and its successor count once

    // Overlap: the operator still uses the old one; nothing fails.
    expect(await outcome(old.fingerprint, NOW)).toBe('ok');
    expect(await status(old.fingerprint)).toBe('active');
    // First use of the successor supersedes the predecessor...
    expect(await outcome(next.fingerprint, new Date(NOW.getTime() + DAY))).toBe('ok');
    await until(async () => (await status(old.fingerprint)) === 'superseded');
    expect(await status(old.fingerprint)).toBe('superseded');
    // ...which stays accepted until its own expiry (a second server of the operator lags behind).
    expect(await outcome(old.fingerprint, new Date(NOW.getTime() + 2 * DAY))).toBe('ok');
    expect(await outcome(old.fingerprint, new Date(NOW.getTime() + 11 * DAY))).toBe('CERTIFICAT_EXPIRE');
    expect(await outcome(next.fingerprint, new Date(NOW.getTime() + 11 * DAY))).toBe('ok');
    const actions = (await listAudit(pool, OP)).map((a) => `${a.action}:${a.fingerprint}`);
    expect(actions).toContain(`supersede:${old.fingerprint}`);
  });

  it('a renewed certificate whose successor was never used is superseded at its expiry by the sweep', async () => {
    const a = await insertCertificate(pool, { siren: OP, scope: 'ftth', pem: cert(new Date(NOW.getTime() - 100 * DAY), new Date(NOW.getTime() + 5 * DAY), 'ftth'), source: 'provider' });
    await insertCertificate(pool, { siren: OP, scope: 'ftth', pem: cert(NOW, new Date(NOW.getTime() + 200 * DAY), 'ftth'), source: 'provider', renews: a.fingerprint });
    await sweep(pool, new Date(NOW.getTime() + 4 * DAY));
    expect(await status(a.fingerprint)).toBe('active');
    const r = await sweep(pool, new Date(NOW.getTime() + 6 * DAY));
    expect(r.superseded.map((s) => s.fingerprint)).toEqual([a.fingerprint]);
    expect(await status(a.fingerprint)).toBe('superseded');
  });
});

describe('six months unused: disabled and reported', () => {
  it('disables a certificate unused for six months, keeps one used five months ago', async () => {
    const stale = await insertCertificate(pool, { siren: OP, scope: 'esav', pem: cert(new Date(NOW.getTime() - 400 * DAY), new Date(NOW.getTime() + 300 * DAY)), source: 'provider' });
    const recent = await insertCertificate(pool, { siren: OP, scope: 'esav', pem: cert(new Date(NOW.getTime() - 400 * DAY), new Date(NOW.getTime() + 300 * DAY)), source: 'provider' });
    await pool.query("UPDATE certificates SET last_used_at = $2::timestamptz - interval '7 months' WHERE fingerprint = $1", [stale.fingerprint, NOW]);
    await pool.query("UPDATE certificates SET last_used_at = $2::timestamptz - interval '5 months' WHERE fingerprint = $1", [recent.fingerprint, NOW]);
    const r = await sweep(pool, NOW);
    expect(r.disabled.map((d) => d.fingerprint)).toEqual([stale.fingerprint]);
    expect(await status(stale.fingerprint)).toBe('disabled');
    expect(await status(recent.fingerprint)).toBe('active');
    expect(await outcome(stale.fingerprint, NOW)).toBe('CERTIFICAT_INACTIF');
    expect((await listAudit(pool, OP)).some((a) => a.action === 'disable' && a.fingerprint === stale.fingerprint)).toBe(true);
    // Idempotent: a second sweep (another process) reports nothing new.
    expect((await sweep(pool, NOW)).disabled).toEqual([]);
  });
});

describe('at most 100 active certificates per operator', () => {
  it('refuses the 101st, still allows renewing one', async () => {
    const OP2 = '130025265';
    await pool.query("INSERT INTO operators (siren, name) VALUES ($1, 'Op2')", [OP2]);
    await pool.query(
      `INSERT INTO certificates (fingerprint, operator_siren, scope, serial, subject, issuer, not_before, not_after, pem)
       SELECT lpad(to_hex(g), 64, '0'), $1, 'esav', to_hex(g), 's', 'i', now(), now() + interval '1 year', 'x'
         FROM generate_series(1, $2::int) g`,
      [OP2, MAX_ACTIVE_PER_OPERATOR],
    );
    const pem = issueClientCert(ca, { siren: OP2, operatorName: 'Op2', scope: 'esav', publicKeyPem }).certPem;
    await expect(insertCertificate(pool, { siren: OP2, scope: 'esav', pem, source: 'provider' })).rejects.toThrow(/100 active certificates/);
    const renewal = await insertCertificate(pool, { siren: OP2, scope: 'esav', pem, source: 'provider', renews: '0'.repeat(63) + '1' });
    expect(renewal.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await countActive(pool, OP2)).toBe(MAX_ACTIVE_PER_OPERATOR);
  });
});

describe('the synchronous path: resolvePeerNow answers as resolvePeer once the row is read', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
      return 'ok';
    } catch (err) {
      return (err as SoapFault).code ?? String(err);
    }
  };

  it('waits for the first read, then agrees with resolvePeer, and follows a revocation from the next call', async () => {
    const c = await insertCertificate(pool, { siren: OP, scope: 'esav', pem: cert(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 100 * DAY)), source: 'provider' });
    const peer = { fingerprint: c.fingerprint, clientAuth: true };
    expect(identity.resolvePeerNow(peer, NOW)).toBeUndefined(); // never read: resolvePeer must read it
    // The insert's own notification may arrive after a first read and drop it: read until it stays.
    await until(async () => {
      await identity.resolvePeer(peer, NOW);
      return identity.resolvePeerNow(peer, NOW) !== undefined;
    });
    const viaRead = await identity.resolvePeer(peer, NOW);
    expect(identity.resolvePeerNow(peer, NOW)).toEqual(viaRead);
    expect(viaRead.siren).toBe(OP);
    // The same rules on the same row: the clock past its expiry gives the same fault.
    expect(code(() => identity.resolvePeerNow(peer, new Date(NOW.getTime() + 101 * DAY)))).toBe('CERTIFICAT_EXPIRE');

    await pool.query("UPDATE certificates SET status = 'revoked' WHERE fingerprint = $1", [c.fingerprint]);
    // The notification drops the row: the next call reads it again, and is refused.
    await until(async () => identity.resolvePeerNow(peer, NOW) === undefined);
    expect(identity.resolvePeerNow(peer, NOW)).toBeUndefined();
    expect(await outcome(c.fingerprint, NOW)).toBe('CERTIFICAT_REVOQUE');
    expect(code(() => identity.resolvePeerNow(peer, NOW))).toBe('CERTIFICAT_REVOQUE');
  });

  it('refuses an unknown certificate the same way once read, and leaves peers without a usable certificate to resolvePeer', async () => {
    const unknown = { fingerprint: 'f'.repeat(64), clientAuth: true };
    expect(await outcome(unknown.fingerprint, NOW)).toBe('CERTIFICAT_INCONNU');
    expect(code(() => identity.resolvePeerNow(unknown, NOW))).toBe('CERTIFICAT_INCONNU');
    expect(identity.resolvePeerNow(null, NOW)).toBeUndefined();
    expect(identity.resolvePeerNow({ fingerprint: unknown.fingerprint, clientAuth: false }, NOW)).toBeUndefined();
  });
});
