import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { parisTime } from '../../src/calendar/index.js';
import { addWindow, MaintenanceGuard, nightlyWindows, activeWindow } from '../../src/guards/maintenance.js';
import { limitInForce, RateLimiter, setLimit } from '../../src/guards/rateLimit.js';
import { SoapFault } from '../../src/soap/faults.js';

// Maintenance windows (article 11) and rate limits (article 7), pinned clock, real PostgreSQL.
let tdb: TestDatabase;
let pool: Pool;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 8, 5000);
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

describe('maintenance', () => {
  const NIGHTLY = { hour: 3, minute: 45, minutes: 15 };

  it('the nightly window runs 03:45-04:00 Paris, summer and winter', () => {
    for (const date of ['2026-12-01', '2027-07-01']) {
      expect(activeWindow(nightlyWindows(NIGHTLY, parisTime(date, 3, 44)), parisTime(date, 3, 44))).toBeUndefined();
      expect(activeWindow(nightlyWindows(NIGHTLY, parisTime(date, 3, 45)), parisTime(date, 3, 45))?.endsAt).toEqual(parisTime(date, 4, 0));
      expect(activeWindow(nightlyWindows(NIGHTLY, parisTime(date, 4, 0)), parisTime(date, 4, 0))).toBeUndefined();
    }
    // a window across midnight
    const late = { hour: 23, minute: 55, minutes: 15 };
    expect(activeWindow(nightlyWindows(late, parisTime('2026-12-02', 0, 5)), parisTime('2026-12-02', 0, 5))?.endsAt).toEqual(parisTime('2026-12-02', 0, 10));
  });

  it('a planned interruption needs 2 working days notice unless --urgent', async () => {
    const friday = parisTime('2026-12-04', 10, 0);
    const w = (from: Date, hours = 2) => ({ startsAt: from, endsAt: new Date(from.getTime() + hours * 3600_000), reason: 'migration base' });
    // Friday 10:00 -> Tuesday 10:00 is exactly 2 working days; Tuesday 09:59 is not.
    await expect(addWindow(pool, w(parisTime('2026-12-08', 10, 0)), friday)).resolves.toMatchObject({ id: expect.any(Number) });
    await expect(addWindow(pool, w(parisTime('2026-12-08', 9, 59)), friday)).rejects.toThrow(/2 working days' notice.*--urgent/);
    // Christmas: Thursday 24th -> the 25th is a holiday, so Monday 28th is the earliest same-time start.
    await expect(addWindow(pool, w(parisTime('2026-12-28', 9, 0)), parisTime('2026-12-24', 10, 0))).rejects.toThrow(/notice/);
    await expect(addWindow(pool, w(parisTime('2026-12-29', 10, 0)), parisTime('2026-12-24', 10, 0))).resolves.toBeDefined();
    await expect(addWindow(pool, { ...w(friday), urgent: true }, friday)).resolves.toMatchObject({ urgent: true });
    await expect(addWindow(pool, { ...w(friday), reason: ' ' , urgent: true }, friday)).rejects.toThrow(/reason/);
  });

  it('the guard answers a Server fault with the planned end during any window', async () => {
    let now = parisTime('2026-12-04', 10, 30);
    const guard = new MaintenanceGuard(pool, () => now, { hour: 3, minute: 45, minutes: 15 }, log);
    await guard.refresh();
    let fault: SoapFault | undefined;
    try {
      guard.check();
    } catch (err) {
      fault = err as SoapFault;
    }
    expect(fault).toMatchObject({ kind: 'Server', code: 'MAINTENANCE_EN_COURS' });
    expect(fault!.message).toContain('2026-12-04T12:00:00+01:00');
    expect(fault!.httpHeaders['Retry-After']).toBe(String(90 * 60));
    now = parisTime('2026-12-04', 12, 0);
    expect(() => guard.check()).not.toThrow();
  });
});

describe('rate limits', () => {
  it('the latest effective decision is in force; an operator\'s own wins a tie with --all', () => {
    const d = (iso: string) => parisTime(iso, 0, 0);
    const rows = [
      { siren: null, perMinute: 100, effectiveFrom: d('2026-12-02') },
      { siren: '111111118', perMinute: 10, effectiveFrom: d('2026-12-02') },
      { siren: '111111118', perMinute: null, effectiveFrom: d('2026-12-10') },
    ];
    expect(limitInForce(rows, '111111118', d('2026-12-01'))).toBeNull();
    expect(limitInForce(rows, '111111118', d('2026-12-02'))).toBe(10);
    expect(limitInForce(rows, '222222226', d('2026-12-03'))).toBe(100);
    expect(limitInForce(rows, '111111118', d('2026-12-10'))).toBeNull();
  });

  it('is refused unless announced at least the day before', async () => {
    const now = parisTime('2026-12-01', 23, 59);
    await expect(setLimit(pool, { siren: '111111118', perMinute: 5, effectiveFrom: parisTime('2026-12-01', 23, 59) }, now)).rejects.toThrow(/the day before.*2026-12-02T00:00:00\+01:00/);
    await expect(setLimit(pool, { siren: '111111118', perMinute: 5, effectiveFrom: parisTime('2026-12-02', 0, 0) }, now)).resolves.toBeDefined();
  });

  it('counts exactly under concurrency (shared counter), the limit applies from its date', async () => {
    let now = parisTime('2026-12-01', 12, 0);
    const a = new RateLimiter(pool, () => now, log);
    const b = new RateLimiter(pool, () => now, log);
    await a.refresh();
    await b.refresh();
    const who = { siren: '111111118' } as Parameters<RateLimiter['check']>[0];
    // not yet in force: nothing counted
    await a.check(who);
    expect((await pool.query('SELECT count(*)::int AS n FROM rate_counters')).rows[0].n).toBe(0);
    now = parisTime('2026-12-02', 9, 30);
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).check(who)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as SoapFault);
    expect(refused).toHaveLength(35);
    expect(refused[0]).toMatchObject({ kind: 'Client', code: 'LIMITE_DEBIT_DEPASSEE', httpHeaders: { 'Retry-After': '60' } });
    expect(refused[0]!.message).toContain('2026-12-02T09:31:00+01:00');
    now = parisTime('2026-12-02', 9, 31);
    await expect(a.check(who)).resolves.toBeUndefined();
  });
});
