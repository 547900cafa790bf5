import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../src/paths.js';
import { loadDataset, prestationId } from '../../src/integration/dataset.js';
import { SCENARIOS, statesOf, type ScenarioName } from '../../src/integration/scenarios.js';
import { searchBlackoutPolicy, startPlatform } from '../../src/integration/platform.js';
import { SimulatorDriver } from '../../src/network/simulator.js';
import { TRANSITIONS } from '../../src/domain/tickets/states.js';
import { parisTime } from '../../src/calendar/index.js';
import { ValidationRecorder } from '../../src/validation/recorder.js';
import { readForm } from '../../src/client/commands.js';
import { run, EXIT } from '../../src/client/main.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { migratedDatabase } from '../support/integration.js';

const silent = pino({ level: 'silent' });
const dataset = loadDataset();

describe('the test data set and its scenarios', () => {
  it('every scenario is a legal path of the ticket state machine from EN_DEPOT', () => {
    for (const name of Object.keys(SCENARIOS) as ScenarioName[]) {
      let from = 'EN_DEPOT' as keyof typeof TRANSITIONS;
      for (const to of statesOf(name)) {
        expect([name, from, TRANSITIONS[from].includes(to) ? to : `not ${to}`]).toEqual([name, from, to]);
        from = to;
      }
    }
    expect(SCENARIOS.GEL.filter((s) => s.awaitComplement).map((s) => s.to)).toEqual(['GELE']);
  });

  it('each remote-test outcome the data set documents is the simulator\'s for that prestation', () => {
    const sim = new SimulatorDriver();
    const documented = dataset.prestations.filter((p) => p.test);
    expect(documented.length).toBeGreaterThan(5);
    for (const p of documented) expect([p.key, sim.scenario(prestationId('552100554', p.key)).outcome]).toEqual([p.key, p.test]);
  });
});

describe('docs/integration-guide.md stays true', () => {
  const guide = readFileSync(join(PROJECT_ROOT, 'docs', 'integration-guide.md'), 'utf8');
  const section = (title: string) => guide.slice(guide.indexOf(`\n## ${title}`), guide.indexOf('\n## ', guide.indexOf(`\n## ${title}`) + 3));

  it('publishes every entry of the test data set', () => {
    const table = section('4. The test data set');
    for (const p of dataset.prestations) expect([p.key, table.includes(`| \`${p.key}\` | ${p.offer} |`)]).toEqual([p.key, true]);
    for (const o of dataset.operators) expect(table).toContain(`\`${o.siren}\``);
    for (const z of [dataset.zoneWithoutSlot, dataset.zoneInBlackout]) expect(table).toContain(`\`${z}\``);
  });

  it('says what to do about every fault code an operator can meet', () => {
    // Codes only ops meet (esav commands, admin API): not for integrators.
    const opsOnly = new Set(['TRANSITION_INTERDITE', 'ETAT_INCONNU', 'REQUETE_INVALIDE', 'TRAVAUX_EXISTANTS', 'TRAVAUX_INCONNUS', 'TRAVAUX_CLOS', 'DATE_INVALIDE', 'COMMENTAIRE_TROP_LONG']);
    const codes = new Set<string>(['OPERATEUR_NON_VALIDE']);
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []));
    for (const f of walk(join(PROJECT_ROOT, 'src'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/(?:DomainError|clientFault|serverFault)\(\s*'([A-Z_]+)'|SoapFault\(\s*'\w+',\s*'([A-Z_]+)'/g)) codes.add((m[1] ?? m[2])!);
    }
    expect(codes.size).toBeGreaterThan(60);
    const table = section('7. Faults and what to do');
    const missing = [...codes].filter((c) => !opsOnly.has(c) && !new RegExp(`^\\|[^\\n]*\`${c}\`[^\\n]*\\|`, 'm').test(table));
    expect(missing).toEqual([]);
  });
});

describe('slot-search blackout', () => {
  const night = parisTime('2026-12-02', 2, 0);
  const env = { DATABASE_URL: 'postgres://u:p@db:5432/esav' };
  it('production: the nightly window (01:00-04:00 Paris) everywhere', () => {
    const policy = searchBlackoutPolicy(loadConfig(env));
    expect(policy(night, '75056')).toEqual({ blackout: true, reopensAt: parisTime('2026-12-02', 4, 0) });
  });
  it('integration platform: any hour, except the data set\'s zoneInBlackout which always answers as in the window', () => {
    const policy = searchBlackoutPolicy(loadConfig({ ...env, ESAV_MODE: 'integration' }));
    expect(policy(night, '75056')).toEqual({ blackout: false });
    expect(policy(night, dataset.zoneInBlackout)).toEqual({ blackout: true, reopensAt: parisTime('2026-12-02', 4, 0) });
    expect(policy(parisTime('2026-12-02', 15, 0), dataset.zoneInBlackout)).toEqual({ blackout: true, reopensAt: parisTime('2026-12-03', 4, 0) });
  });
});

describe('settings of the two platforms', () => {
  it('integration mode: own ports, folder, embedded port, and database beside DATABASE_URL\'s', () => {
    const c = loadConfig({ ESAV_MODE: 'integration', ESAV_DATA_DIR: '/var/lib/esav', DATABASE_URL: 'postgres://u:p@db:5432/esav' });
    expect(c).toMatchObject({ port: 8444, adminPort: 9465, dataDir: '/var/lib/esav/integration', embeddedPgPort: 5440, databaseUrl: 'postgres://u:p@db:5432/esav_integration' });
    expect(c.platform.productionDatabaseUrl).toBe('postgres://u:p@db:5432/esav');
    const embedded = loadConfig({ ESAV_MODE: 'integration', ESAV_PG_PORT: '6000' });
    expect(embedded).toMatchObject({ databaseUrl: undefined, embeddedPgPort: 6001 });
    expect(embedded.platform.productionDatabaseUrl).toBe('postgres://esav:esav@127.0.0.1:6000/esav');
    expect(loadConfig({ ESAV_MODE: 'integration', DATABASE_URL: 'postgres://u:p@db/esav', ESAV_INTEGRATION_DATABASE_URL: 'postgres://u:p@other/int' }).databaseUrl).toBe('postgres://u:p@other/int');
    expect(() => loadConfig({ ESAV_MODE: 'integration', DATABASE_URL: 'postgres://u:p@db/esav', ESAV_INTEGRATION_DATABASE_URL: 'postgres://x:y@db:5432/esav' })).toThrow(/another database/);
    const prod = loadConfig({});
    expect(prod).toMatchObject({ port: 8443, adminPort: 9464, embeddedPgPort: 5439 });
    expect(prod.platform).toMatchObject({ requireValidation: true, productionDatabaseUrl: undefined });
  });

  it('ESAV_REQUIRE_VALIDATION=off leaves production without the gate; a bad value stops the start', async () => {
    expect(() => loadConfig({ ESAV_REQUIRE_VALIDATION: 'no' })).toThrow(/ESAV_REQUIRE_VALIDATION=no is invalid/);
    const off = await startPlatform(loadConfig({ ESAV_REQUIRE_VALIDATION: 'off' }), {} as never);
    expect(off.guards.validation).toBeUndefined();
    expect(() => loadConfig({ ESAV_INTEGRATION_STEP_MS: '5' })).toThrow(/ESAV_INTEGRATION_STEP_MS/);
  });
});

describe('migration 012', () => {
  let db: TestDatabase;
  let pool: Pool;
  let dir: string;
  beforeAll(async () => {
    db = await freshDatabase();
    pool = createPool(db.url, 2, 10_000);
    dir = mkdtempSync(join(tmpdir(), 'esav-mig-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '012')) cpSync(join(MIGRATIONS_DIR, f), join(dir, f));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the operators already in production working: both domains recorded as validated by the migration', async () => {
    await migrate(pool, dir);
    await pool.query("INSERT INTO operators (siren, name) VALUES ('552100554', 'Déjà en production')");
    await migrate(pool);
    await pool.query("INSERT INTO operators (siren, name) VALUES ('380129866', 'Arrivé après')");
    const rows = (await pool.query('SELECT operator_siren, domain, how FROM operator_validations ORDER BY operator_siren, domain')).rows;
    expect(rows).toEqual([
      { operator_siren: '552100554', domain: 'signalisation', how: 'migration' },
      { operator_siren: '552100554', domain: 'test', how: 'migration' },
    ]);
  });
});

describe('the validation recorder of the integration platform', () => {
  let int: TestDatabase;
  let pool: Pool;
  let prodUrl: string;
  let prodName: string;
  let recorder: ValidationRecorder;
  beforeAll(async () => {
    int = await migratedDatabase();
    pool = createPool(int.url, 4, 10_000);
    // A production database that does not exist yet: unreachable, as when it is down.
    prodName = `esav_t_prod_${Date.now().toString(36)}`;
    const u = new URL(process.env.ESAV_TEST_PG_ADMIN_URL!);
    u.pathname = `/${prodName}`;
    prodUrl = u.toString();
    recorder = new ValidationRecorder(pool, prodUrl, silent);
  });
  afterAll(async () => {
    await recorder?.close();
    await pool?.end();
    await int?.drop();
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: process.env.ESAV_TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${prodName} WITH (FORCE)`);
    await admin.end();
  });

  it('keeps a first success while production is unreachable, delivers it once production is back, then costs nothing', async () => {
    const identity = { siren: '552100554', fingerprint: 'f'.repeat(64), operatorName: 'X', scope: 'esav' as const };
    await recorder.succeeded(identity, { service: 'test', version: 'v1', operation: 'lancerTest', requestId: 'r-1' });
    const pending = (await pool.query('SELECT domain, delivered_at, attempts, last_error FROM validation_outbox')).rows;
    expect(pending).toEqual([{ domain: 'test', delivered_at: null, attempts: 1, last_error: expect.stringMatching(/does not exist/) }]);

    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: process.env.ESAV_TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${prodName}`);
    await admin.end();
    const prod = createPool(prodUrl, 2, 10_000);
    try {
      await migrate(prod);
      await recorder.retry();
      const rows = (await prod.query('SELECT operator_siren, domain, how, details FROM operator_validations')).rows;
      expect(rows).toEqual([{ operator_siren: '552100554', domain: 'test', how: 'platform', details: { service: 'test', version: 'v1', operation: 'lancerTest', requestId: 'r-1', certificate: 'f'.repeat(64) } }]);
      expect((await pool.query('SELECT delivered_at IS NOT NULL AS delivered FROM validation_outbox')).rows).toEqual([{ delivered: true }]);
      // Known delivered: later successes of that domain do nothing, synchronously.
      expect(recorder.succeeded(identity, { service: 'travaux-ftth', version: 'v1', operation: 'getInfoTravauxFTTH', requestId: 'r-2' })).toBeUndefined();
      // A service outside both domains is never recorded.
      expect(recorder.succeeded(identity, { service: 'autre', version: 'v1', operation: 'x', requestId: 'r-3' })).toBeUndefined();
    } finally {
      await prod.end();
    }
  });
});

describe('esav-client', () => {
  it('reads a form file: attributes, and namespaces declared on formulaire carried onto the form element', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esav-form-'));
    try {
      const f = join(dir, 'f.xml');
      writeFileSync(f, '<?xml version="1.0"?>\n<formulaire catalogue="2026-11" code="CUIVRE_ACCES" xmlns:c="urn:c">\n  <c:formulaireCuivreAcces><c:numeroLigne>0145678901</c:numeroLigne></c:formulaireCuivreAcces>\n</formulaire>\n');
      expect(readForm(f)).toEqual({ attributes: { catalogue: '2026-11', code: 'CUIVRE_ACCES' }, $xml: '<c:formulaireCuivreAcces xmlns:c="urn:c"><c:numeroLigne>0145678901</c:numeroLigne></c:formulaireCuivreAcces>' });
      writeFileSync(f, '<formulaire code="X"><a/></formulaire>');
      expect(() => readForm(f)).toThrow(/catalogue and code/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad command lines exit 2 and say what to fix', async () => {
    const call = async (...argv: string[]) => {
      const err: string[] = [];
      const code = await run(argv, {}, { out: () => undefined, err: (l) => err.push(l) });
      return { code, err: err.join('\n') };
    };
    expect(await call('frobnicate')).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/unknown command "frobnicate"/) });
    expect(await call('--creds', '/nowhere', 'deposit', '--zone', '75056')).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/--zone does not apply/) });
    expect(await call('state', '--reference', 'S26-X')).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/--creds <dir>/) });
    expect(await call('--creds', '/nowhere', 'state', '--reference', 'S26-X')).toMatchObject({ code: EXIT.error, err: expect.stringMatching(/cannot read the client certificate/) });
    expect((await call()).code).toBe(EXIT.usage);
  });
});
