import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { run } from '../../src/client/main.js';
import type { GatewayOptions } from '../../src/main.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { startTestGateway, type ClientCreds, type TestGateway } from './gateway.js';

export interface IntegrationGateway extends TestGateway {
  /** The integration platform's own database. */
  intDb: TestDatabase;
  /** The production database (DATABASE_URL), migrated, where validations land. */
  prod: pg.Pool;
  int: pg.Pool;
}

/** A fresh database with the migrations applied (what a production gateway's start does). */
export async function migratedDatabase(): Promise<TestDatabase> {
  const d = await freshDatabase();
  const pool = createPool(d.url, 2, 10_000);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return d;
}

/**
 * The integration platform in this process (ESAV_MODE=integration) on its own database, with a
 * migrated production database beside it (DATABASE_URL), scenario steps of 100 ms.
 */
export async function startIntegrationGateway(extraEnv: NodeJS.ProcessEnv = {}, opts: GatewayOptions = {}): Promise<IntegrationGateway> {
  const prodDb = await migratedDatabase();
  const intDb = await freshDatabase();
  const t = await startTestGateway(
    { ESAV_MODE: 'integration', DATABASE_URL: prodDb.url, ESAV_INTEGRATION_DATABASE_URL: intDb.url, ESAV_INTEGRATION_STEP_MS: '100', ESAV_NETWORK_SIM_DELAY_MS: '100', ...extraEnv },
    opts,
  );
  const prod = new pg.Pool({ connectionString: prodDb.url, max: 2 });
  const int = new pg.Pool({ connectionString: intDb.url, max: 2 });
  const close = t.close;
  return {
    ...t,
    intDb,
    prod,
    int,
    async close() {
      await prod.end();
      await int.end();
      await close();
      await intDb.drop();
      await prodDb.drop();
    },
  };
}

/** Writes a certificate pair where esav-client --creds finds it. */
export function credsDir(t: TestGateway, creds: ClientCreds, name: string): string {
  const dir = join(t.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'client.crt'), creds.cert);
  writeFileSync(join(dir, 'client.key'), creds.key);
  writeFileSync(join(dir, 'ca.crt'), creds.ca);
  return dir;
}

/** esav-client in this process: exit code and what it printed. */
export async function client(base: string, creds: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['--url', base, '--creds', creds, ...args], {}, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
