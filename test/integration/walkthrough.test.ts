import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { esavOk, PROJECT_ROOT, spawnGateway } from '../support/cli.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

const GUIDE = join(PROJECT_ROOT, 'docs', 'integration-guide.md');
const SIREN = '552100554';

/** The guide's walkthrough: every ```sh block under "## Walkthrough", in order. */
export function walkthrough(markdown: string): string[] {
  const start = markdown.indexOf('\n## Walkthrough\n');
  if (start < 0) throw new Error('docs/integration-guide.md has no "## Walkthrough" section');
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf('\n## ', 3);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let dir: string;
let prodDb: TestDatabase;
let env: NodeJS.ProcessEnv;
const gateways: ChildProcess[] = [];
let ports: { prod: number; int: number };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'esav-walk-'));
  chmodSync(dir, 0o755);
  prodDb = await freshDatabase();
  env = {
    DATABASE_URL: prodDb.url,
    ESAV_CERTS_DIR: join(dir, 'certs'),
    ESAV_DATA_DIR: join(dir, 'data'),
    ESAV_PORT: '0',
    ESAV_ADMIN_PORT: '0',
    ESAV_HOST: '127.0.0.1',
    ESAV_WORKERS: '1',
    ESAV_MAINTENANCE_NIGHTLY: 'off',
    ESAV_INTEGRATION_STEP_MS: '200',
  };
  // As the guide says: `esav serve` and `esav serve --integration`, on spare ports.
  const prod = await spawnGateway(env);
  gateways.push(prod.child);
  const int = await spawnGateway(env, ['serve', '--integration']);
  gateways.push(int.child);
  ports = { prod: prod.port, int: int.port };
}, 120_000);

afterAll(async () => {
  for (const g of gateways) {
    const exited = new Promise((r) => g.once('exit', r));
    g.kill('SIGTERM');
    await exited;
  }
  // The integration platform made its database beside production's: <name>_integration.
  const admin = new pg.Client({ connectionString: process.env.ESAV_TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${new URL(prodDb.url).pathname.slice(1)}_integration WITH (FORCE)`);
  await admin.end();
  await prodDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/integration-guide.md', () => {
  it('its walkthrough runs as written against esav serve --integration: the operator goes from unvalidated to validated', async () => {
    const blocks = walkthrough(readFileSync(GUIDE, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(8);

    const before = JSON.parse(esavOk(env, 'operator', 'validation', '--siren', SIREN, '--json'));
    expect(before.domains).toEqual({ signalisation: { validated: false, pendingDelivery: false }, test: { validated: false, pendingDelivery: false } });

    const r = await bash(blocks.join('\n'), dir, { ...env, ESAV: PROJECT_ROOT, INT: `https://localhost:${ports.int}`, PROD: `https://localhost:${ports.prod}`, SIREN });
    if (r.status !== 0) throw new Error(`the walkthrough failed (exit ${r.status}):\n${r.stderr}\n--- stdout ---\n${r.stdout}`);
    // What the walkthrough showed on the way.
    expect(r.stdout).toMatch(/^signalisation +NOT VALIDATED/m);
    expect(r.stdout).toMatch(/^expected fault soap:Client OPERATEUR_NON_VALIDE: /m);
    expect(r.stdout).toMatch(/^etat: VALIDE$/m);
    expect(r.stdout).toMatch(/^etat: EN_REJET$/m);
    expect(r.stdout).toMatch(/^verdict: KO\norigineProbable: RESEAU_FOURNISSEUR$/m);
    expect(r.stdout).toMatch(/^statutRendezVous: CONFIRME$/m);
    expect(r.stdout).toMatch(/^signalisation +validated +\S+ +integration platform: signalisation v\d deposerSignalisation/m);
    expect(r.stdout).toMatch(/^test +validated +\S+ +integration platform: test v1 /m);

    const after = JSON.parse(esavOk(env, 'operator', 'validation', '--siren', SIREN, '--json'));
    expect(after.domains.signalisation).toMatchObject({ validated: true, how: 'platform', details: { service: 'signalisation', operation: 'deposerSignalisation' } });
    expect(after.domains.test).toMatchObject({ validated: true, how: 'platform', details: { service: 'test' } });
    // The production deposit refused at the start was accepted at the end.
    const db = new pg.Client({ connectionString: prodDb.url });
    await db.connect();
    try {
      const t = (await db.query('SELECT prestation_id, state FROM tickets WHERE operator_siren = $1 AND external_ref = $2', [SIREN, 'MON-SI-000001'])).rows;
      expect(t).toEqual([{ prestation_id: 'ETH-0001', state: 'EN_DEPOT' }]);
    } finally {
      await db.end();
    }
  }, 300_000);
});
