import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { parisDate, parisTime } from '../../src/calendar/index.js';
import { ParisDay } from '../../src/metrics/parisDay.js';
import { dailyCounts, VolumetryCounter } from '../../src/metrics/volumetry.js';
import { mergeSnapshots, SoapMetrics } from '../../src/metrics/soap.js';

// The in-memory volumetry of the hot paths: Paris days, batched upserts, nothing lost on a failed write.
const OP = '552100554';
let tdb: TestDatabase;
let pool: Pool;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 4, 5000);
  await migrate(pool);
  await pool.query(`INSERT INTO operators (siren, name) VALUES ($1, 'Opérateur Volumétrie')`, [OP]);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

const rows = async () =>
  (await pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, count::int AS n FROM volumetry WHERE operator_siren = $1 ORDER BY day, kind`, [OP])).rows;

describe('ParisDay', () => {
  it('gives the Paris date, across midnight and both DST changes, and back in time', () => {
    const d = new ParisDay();
    const instants = [
      parisTime('2026-03-28', 23, 59), parisTime('2026-03-29', 0, 0), parisTime('2026-03-29', 3, 0), parisTime('2026-03-29', 23, 59),
      parisTime('2026-10-24', 23, 59), parisTime('2026-10-25', 0, 0), parisTime('2026-10-25', 2, 30), parisTime('2026-10-25', 23, 59), parisTime('2026-10-26', 0, 0),
      // 23:30 UTC on 31 December is already 1 January in Paris
      new Date('2026-12-31T23:30:00Z'), new Date('2026-12-31T22:59:59.999Z'), new Date('2026-06-30T21:59:59.999Z'), new Date('2026-06-30T22:00:00Z'),
    ];
    for (const at of instants) expect(d.of(at.getTime())).toBe(parisDate(at));
    expect(d.of(new Date('2026-12-31T23:30:00Z').getTime())).toBe('2027-01-01');
    expect(d.of(new Date('2026-06-30T22:00:00Z').getTime())).toBe('2026-07-01');
  });
});

describe('VolumetryCounter', () => {
  it('counts in memory, writes one upsert per flush on the Paris day of each request, adds to what is there', async () => {
    await pool.query('DELETE FROM volumetry');
    const c = new VolumetryCounter(pool, log, 3_600_000);
    c.start();
    const late = parisTime('2026-11-24', 23, 59).getTime();
    const early = parisTime('2026-11-25', 0, 0).getTime();
    for (let i = 0; i < 3; i++) c.count(OP, 'DEPOT', late);
    c.count(OP, 'DEPOT', early);
    c.count(OP, 'CONSULTATION_ETAT', early);
    c.count(OP, 'HISTORIQUE', early);
    // Nothing written before the interval or a flush.
    expect(await rows()).toEqual([]);
    expect(c.unflushed()).toBe(6);
    await c.flush();
    expect(c.unflushed()).toBe(0);
    c.count(OP, 'DEPOT', early);
    // stop() writes what is left (gateway close, SIGTERM).
    await c.stop();
    expect(await rows()).toEqual([
      { day: '2026-11-24', kind: 'DEPOT', n: 3 },
      { day: '2026-11-25', kind: 'CONSULTATION_ETAT', n: 1 },
      { day: '2026-11-25', kind: 'DEPOT', n: 2 },
      { day: '2026-11-25', kind: 'HISTORIQUE', n: 1 },
    ]);
    expect(await dailyCounts(pool, '2026-11-25', '2026-11-25', OP)).toEqual([
      { day: '2026-11-25', siren: OP, counts: { TEST_AVEC_RESULTAT: 0, INFO_TRAVAUX: 0, DEPOT: 2, CONSULTATION_ETAT: 1, HISTORIQUE: 1 } },
    ]);
  });

  it('a failed write keeps the counts for the next one: nothing lost, nothing twice', async () => {
    await pool.query('DELETE FROM volumetry');
    const c = new VolumetryCounter(pool, log, 3_600_000);
    const at = parisTime('2026-11-25', 12, 0).getTime();
    c.count(OP, 'DEPOT', at);
    c.count(OP, 'DEPOT', at);
    await pool.query('ALTER TABLE volumetry RENAME TO volumetry_away');
    try {
      await expect(c.flush()).rejects.toThrow(/volumetry/);
    } finally {
      await pool.query('ALTER TABLE volumetry_away RENAME TO volumetry');
    }
    expect(c.unflushed()).toBe(2);
    c.count(OP, 'DEPOT', at);
    await c.flush();
    await c.flush();
    expect(await rows()).toEqual([{ day: '2026-11-25', kind: 'DEPOT', n: 3 }]);
  });

  it('an operator unknown to the table is skipped, not a batch failing for ever', async () => {
    await pool.query('DELETE FROM volumetry');
    const c = new VolumetryCounter(pool, log, 3_600_000);
    const at = parisTime('2026-11-25', 12, 0).getTime();
    c.count('999999999', 'DEPOT', at);
    c.count(OP, 'DEPOT', at);
    await c.flush();
    expect(c.unflushed()).toBe(0);
    expect(await rows()).toEqual([{ day: '2026-11-25', kind: 'DEPOT', n: 1 }]);
  });
});

describe('SoapMetrics', () => {
  it('buckets by upper bound, and snapshots of several processes add up', () => {
    const a = new SoapMetrics();
    const b = new SoapMetrics();
    a.observe('signalisation', 'v1', 'deposerSignalisation', 0.001);
    a.observe('signalisation', 'v1', 'deposerSignalisation', 0.004);
    b.observe('signalisation', 'v1', 'deposerSignalisation', 20);
    b.observe('signalisation', 'v1', 'consulterEtatSignalisation', 0.002, 'SIGNALISATION_INCONNUE');
    a.observe('signalisation', 'v1', 'consulterEtatSignalisation', 0.002, 'SIGNALISATION_INCONNUE');
    const m = mergeSnapshots([a.snapshot(), b.snapshot()]);
    const dep = m.durations.find((s) => s.operation === 'deposerSignalisation')!;
    // 0.001 in the first bucket (le is inclusive), 0.004 in le=0.005, 20 s beyond the last bound.
    expect(dep.buckets).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(dep.count).toBe(3);
    expect(dep.sum).toBeCloseTo(20.005, 6);
    expect(m.durations.find((s) => s.operation === 'consulterEtatSignalisation')).toMatchObject({ result: 'fault', count: 2 });
    expect(m.faults).toEqual({ SIGNALISATION_INCONNUE: 2 });
    // The snapshot is a copy: later calls do not change it.
    const snap = a.snapshot();
    a.observe('signalisation', 'v1', 'deposerSignalisation', 0.001);
    expect(snap.durations.find((s) => s.operation === 'deposerSignalisation')!.count).toBe(2);
  });
});
