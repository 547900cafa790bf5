import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { parisTime } from '../../src/calendar/index.js';
import {
  addMonths, CATALOGUE_NAME, currentOf, hasEnded, LifecycleRuleError, loadRows, publish, retire, seedFromArtefacts,
} from '../../src/lifecycle/versions.js';

// Article 13 rules against a real PostgreSQL, with a pinned clock.
let tdb: TestDatabase;
let pool: Pool;
const NOW = parisTime('2026-12-01', 10, 0); // a Tuesday

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 4, 5000);
  await migrate(pool);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

/** The state before v2 / catalogue 2026-11 were published: only the older one live. */
beforeEach(async () => {
  await pool.query('DELETE FROM lifecycle_versions');
  await seedFromArtefacts(pool);
  await pool.query(`DELETE FROM lifecycle_versions WHERE (kind, name, version) IN (('service', 'signalisation', 'v2'), ('catalogue', 'catalogue', '2026-11'))`);
});

const row = async (kind: 'service' | 'catalogue', name: string, version: string) => (await loadRows(pool, kind, name)).find((r) => r.version === version);

describe('seeding from the manifests', () => {
  it('seeds every service and the catalogue once; then the table is the truth', async () => {
    await pool.query('DELETE FROM lifecycle_versions');
    expect(await seedFromArtefacts(pool)).toBeGreaterThanOrEqual(7);
    expect((await row('service', 'signalisation', 'v2'))).toMatchObject({ status: 'live', productionDate: '2026-11-02', sunsetDate: null });
    expect((await row('catalogue', CATALOGUE_NAME, '2026-06'))).toMatchObject({ status: 'live', productionDate: '2026-06-01' });
    await pool.query(`DELETE FROM lifecycle_versions WHERE name = 'signalisation' AND version = 'v2'`);
    expect(await seedFromArtefacts(pool)).toBe(0);
    expect(await row('service', 'signalisation', 'v2')).toBeUndefined();
  });
});

describe('version publish: sunset of the older version between 1 and 6 months after production', () => {
  const base = { kind: 'service' as const, name: 'signalisation', version: 'v2', productionDate: '2027-06-07', evolution: 'major' as const };

  it('defaults to 6 months and sets it on the older version', async () => {
    const r = await publish(pool, base, NOW);
    expect(r.older).toEqual({ version: 'v1', sunsetDate: '2027-12-07' });
    expect(await row('service', 'signalisation', 'v1')).toMatchObject({ sunsetDate: '2027-12-07', status: 'live' });
    expect(await row('service', 'signalisation', 'v2')).toMatchObject({ productionDate: '2027-06-07', evolution: 'major', noticeDate: '2026-12-01', sunsetDate: null });
  });

  it.each([
    ['2027-07-06', false], ['2027-07-07', true], ['2027-12-07', true], ['2027-12-08', false],
  ])('sunset %s accepted: %s', async (sunsetDate, ok) => {
    const p = publish(pool, { ...base, sunsetDate }, NOW);
    if (ok) await expect(p).resolves.toMatchObject({ older: { version: 'v1', sunsetDate } });
    else {
      await expect(p).rejects.toThrow(/between 1 and 6 months .*from 2027-07-07 to 2027-12-07/);
      expect((await row('service', 'signalisation', 'v1'))!.sunsetDate).toBeNull();
      expect(await row('service', 'signalisation', 'v2')).toBeUndefined();
    }
  });

  it('never more than two live versions; the same version twice is refused', async () => {
    await publish(pool, base, NOW);
    await expect(publish(pool, base, NOW)).rejects.toThrow(/already live/);
    await expect(publish(pool, { ...base, version: 'v3', productionDate: '2027-07-01' }, NOW)).rejects.toThrow(/2 versions are already live \(v1 until 2027-12-07, v2\)/);
  });

  it('once the older one reached its sunset it is retired on the way and no longer counts', async () => {
    await publish(pool, { ...base, sunsetDate: '2027-07-07' }, NOW);
    const later = parisTime('2027-07-07', 9, 0);
    expect(hasEnded((await row('service', 'signalisation', 'v1'))!, later)).toBe(true);
    expect(currentOf(await loadRows(pool, 'service', 'signalisation'), later)?.version).toBe('v2');
    // v3 artefacts need not exist for the rule itself (the command checks them first)
    const r = await publish(pool, { ...base, version: 'v3', productionDate: '2028-01-10' }, later);
    expect(r.retired).toEqual(['v1']);
    expect(r.older).toEqual({ version: 'v2', sunsetDate: '2028-07-10' });
  });
});

describe('evolution notices: 2 months for a minor change, 6 months for a major one', () => {
  const base = { kind: 'service' as const, name: 'signalisation', version: 'v2' };
  it.each([
    ['minor', '2027-01-31', false], ['minor', '2027-02-01', true],
    ['major', '2027-05-31', false], ['major', '2027-06-01', true],
  ] as const)('%s evolution in production on %s accepted: %s', async (evolution, productionDate, ok) => {
    const p = publish(pool, { ...base, evolution, productionDate }, NOW);
    if (ok) await expect(p).resolves.toBeDefined();
    else await expect(p).rejects.toThrow(new RegExp(`${evolution} evolution needs \\d months' notice: announced on 2026-12-01, .* ${ok ? '' : 'at the earliest'}`));
  });

  it('counts from an earlier notice date, never a future one; needs --minor or --major', async () => {
    await expect(publish(pool, { ...base, productionDate: '2027-01-15', evolution: 'minor', noticeDate: '2026-11-15' }, NOW)).resolves.toBeDefined();
    await pool.query(`DELETE FROM lifecycle_versions WHERE name = 'signalisation' AND version = 'v2'`);
    await expect(publish(pool, { ...base, productionDate: '2027-09-01', evolution: 'minor', noticeDate: '2026-12-02' }, NOW)).rejects.toThrow(/in the future/);
    await expect(publish(pool, { ...base, productionDate: '2027-09-01' }, NOW)).rejects.toThrow(/--minor .* or --major/);
  });

  it('rdv-ftth (Interop\'Fibre, annexe P1): same two-version mechanics, no notice delay', async () => {
    const r = await publish(pool, { kind: 'service', name: 'rdv-ftth', version: 'v2', productionDate: '2026-12-02' }, NOW);
    expect(r.older).toEqual({ version: 'v1', sunsetDate: '2027-06-02' });
    await expect(publish(pool, { kind: 'service', name: 'rdv-ftth', version: 'v3', productionDate: '2026-12-03' }, NOW)).rejects.toThrow(/already live/);
  });
});

describe('catalogue publish: the older catalogue is kept exactly one month', () => {
  it('sets the older one\'s sunset to production + 1 month and refuses any other', async () => {
    await expect(publish(pool, { kind: 'catalogue', name: CATALOGUE_NAME, version: '2026-11', productionDate: '2027-02-01', evolution: 'minor', sunsetDate: '2027-04-01' }, NOW)).rejects.toThrow(/exactly 1 month .* 2027-03-01/);
    const r = await publish(pool, { kind: 'catalogue', name: CATALOGUE_NAME, version: '2026-11', productionDate: '2027-02-01', evolution: 'minor' }, NOW);
    expect(r.older).toEqual({ version: '2026-06', sunsetDate: '2027-03-01' });
    expect(addMonths('2027-01-31', 1)).toBe('2027-02-28');
  });
});

describe('retire', () => {
  it('refuses a version in production before its sunset, accepts it from that day', async () => {
    await publish(pool, { kind: 'service', name: 'signalisation', version: 'v2', productionDate: '2027-06-07', evolution: 'major', sunsetDate: '2027-08-02' }, NOW);
    await expect(retire(pool, 'service', 'signalisation', 'v1', parisTime('2027-08-01', 23, 59))).rejects.toThrow(/until its sunset 2027-08-02/);
    await expect(retire(pool, 'service', 'signalisation', 'v2', parisTime('2027-08-01', 12, 0))).rejects.toThrow(/no sunset: publish its successor first/);
    await expect(retire(pool, 'service', 'signalisation', 'v1', parisTime('2027-08-02', 0, 0))).resolves.toEqual({ retired: 'v1' });
    expect((await row('service', 'signalisation', 'v1'))!.status).toBe('retired');
  });

  it('withdraws an announced version before its production, giving the older one back its open end', async () => {
    await publish(pool, { kind: 'catalogue', name: CATALOGUE_NAME, version: '2026-11', productionDate: '2027-02-01', evolution: 'minor' }, NOW);
    const r = await retire(pool, 'catalogue', CATALOGUE_NAME, '2026-11', NOW);
    expect(r).toEqual({ retired: '2026-11', sunsetCleared: '2026-06' });
    expect((await row('catalogue', CATALOGUE_NAME, '2026-06'))!.sunsetDate).toBeNull();
    await expect(publish(pool, { kind: 'catalogue', name: CATALOGUE_NAME, version: '2026-11', productionDate: '2027-03-01', evolution: 'minor' }, NOW)).rejects.toThrow(LifecycleRuleError);
  });
});
