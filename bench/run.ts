/**
 * `npm run bench`: the gateway's deposit, state-query, slot-search and mixed throughput and latency
 * against two peers on the same mTLS settings, its resident size under that load, and new mTLS
 * connections per second against the bare peer and `openssl s_server`, in one run, loopback only.
 * Every target and the load generator is its own process (the gateway: a primary and its
 * node:cluster workers, ESAV_WORKERS).
 *
 *   1. temp folder; the disk's flush latency there (bench/diskFlush.ts, embedded PostgreSQL only);
 *      the real gateway (`esav serve`, embedded PostgreSQL unless DATABASE_URL is set)
 *   2. data through the real CLI: operator, prestation, client certificate; then STATE_REFERENCES
 *      real deposits on the gateway with that certificate, whose references the state query reads;
 *      for the slot search (slots@*): an ftth-scope certificate, SLOT_TECHNICIANS technicians in
 *      SLOT_ZONE (`esav planning load`), SLOT_BOOKED_FRACTION of their time in the 14-day window
 *      booked straight in PostgreSQL, and one probe search whose answer the bare peer replays
 *   3. peers: bare node:https (fixed answers) and Express + node-soap echo of the v1 and rdv-ftth WSDLs
 *   4. per scenario (bench/scenarios.ts), a fresh load process: warm-up, then the measured window
 *      (the gateway's RSS sampled meanwhile, bench/memory.ts); then per handshake row a fresh
 *      bench/handshake.js process against the gateway, the bare peer and openssl s_server
 *   5. table on stdout, generated section of BENCHMARKS.md rewritten
 *   Soak mode (BENCH_SOAK_SECONDS=<s>, or `run.js --soak`: 600 s): steps 1-2, then only the mixed
 *   workload on the gateway for that long, RSS every few seconds (bench/soak.ts), written to the
 *   soak's own generated part of BENCHMARKS.md.
 *   6. every child stopped and the temp folder removed, on success, error, SIGINT or timeout
 *
 * Settings (environment): BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (16),
 * BENCH_SCENARIOS (comma-separated names, default all), BENCH_LOG_LEVEL (info),
 * BENCH_GATEWAY_NODE_OPTIONS (node flags for the gateway only), BENCH_GATEWAY_CPU_PROF=<dir>
 * (CPU profile of the gateway under load, written to <dir> when it stops; see bench/cpu-profile.ts),
 * BENCH_WRITE=0 (do not touch BENCHMARKS.md), BENCH_ENFORCE=1 (exit 1 when a bar is not met),
 * BENCH_SOAK_SECONDS (soak mode), BENCH_SOAK_WARMUP_SECONDS (30), BENCH_SOAK_SAMPLE_SECONDS (5).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { GatewayLog } from './gatewayLog.js';
import { flushText, measureFlush, type FlushFacts } from './diskFlush.js';
import { esav, esavOk, spawnGateway, PROJECT_ROOT } from '../test/support/cli.js';
import { prng } from '../test/support/load.js';
import { isInSearchBlackout, parisDate, parisTime } from '../src/calendar/index.js';
import { addCalendarDays, isoWeekday } from '../src/calendar/isoDate.js';
import https from 'node:https';
import { soapPost } from '../test/support/http.js';
import {
  BARS,
  HANDSHAKE_TARGETS,
  handshakeRowName,
  isMixed,
  scenarioByName,
  BENCH_PRESTATION,
  BENCH_SIREN,
  DEPOSIT_ACTION,
  DEPOSIT_BODY,
  PROVIDER_SIREN,
  RDV_FTTH_V1,
  SCENARIOS,
  SIGNALISATION_V1,
  SLOT_BOOKED_FRACTION,
  SLOT_HOURS,
  SLOT_TECHNICIANS,
  SLOT_WEEKDAYS,
  SLOT_WINDOW_DAYS,
  SLOT_ZONE,
  STATE_REFERENCES,
  depositReference,
  isSlotAnswer,
  slotCount,
  slotSearchXml,
  type HandshakeTarget,
  type Scenario,
  type SlotQuery,
  type TargetName,
} from './scenarios.js';
import type { LoadClient, LoadConfig, LoadResult } from './load.js';
import type { HandshakeConfig, HandshakeResult } from './handshake.js';
import { benchPki, type BenchPki } from './tls.js';
import { cpuUse, sampleWindow, type CpuUse, type WindowSample } from './procstat.js';
import { MemorySampler, MB, type MemoryFigures, type MemorySample } from './memory.js';
import { opensslVersion, startOpensslServer } from './openssl.js';
import { renderSoakConsole, renderSoakMarkdown, soakVerdicts, SOAK_BEGIN, SOAK_END, type SoakReport } from './soak.js';
import {
  barVerdicts,
  memoryVerdicts,
  renderConsole,
  renderMarkdown,
  writeBenchmarksMd,
  writeGeneratedPart,
  type HandshakeRow,
  type Report,
  type Row,
  type SkippedHandshake,
  type SkippedRow,
  type SlotFacts,
} from './report.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

function intEnv(name: string, dflt: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name}=${raw}: expected a number from ${min} to ${max}`);
  return n;
}

/** BENCH_CLIENT: the load generator's HTTP client (bench/rawClient.ts by default). */
function loadClient(raw: string | undefined): LoadClient {
  if (raw === undefined || raw === '' || raw === 'raw') return 'raw';
  if (raw === 'undici') return 'undici';
  throw new Error(`BENCH_CLIENT=${raw}: expected raw or undici`);
}

const SETTINGS = {
  seconds: intEnv('BENCH_SECONDS', 10, 1, 600),
  warmupSeconds: intEnv('BENCH_WARMUP_SECONDS', 2, 0, 120),
  connections: intEnv('BENCH_CONNECTIONS', 16, 1, 1024),
  maxRequests: intEnv('BENCH_MAX_REQUESTS', 5_000_000, 1, 50_000_000),
  logLevel: process.env.BENCH_LOG_LEVEL || 'info',
  client: loadClient(process.env.BENCH_CLIENT),
  gatewayNodeOptions: process.env.BENCH_GATEWAY_NODE_OPTIONS || undefined,
  gatewayCpuProf: process.env.BENCH_GATEWAY_CPU_PROF || undefined,
  write: process.env.BENCH_WRITE !== '0',
  enforce: process.env.BENCH_ENFORCE === '1',
  only: process.env.BENCH_SCENARIOS ? process.env.BENCH_SCENARIOS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  /** Soak mode: seconds of mixed load on the gateway (0: a normal run). */
  soakSeconds: process.argv.includes('--soak') && !process.env.BENCH_SOAK_SECONDS ? 600 : intEnv('BENCH_SOAK_SECONDS', 0, 0, 24 * 3600),
  soakWarmupSeconds: intEnv('BENCH_SOAK_WARMUP_SECONDS', 30, 0, 600),
  soakSampleSeconds: intEnv('BENCH_SOAK_SAMPLE_SECONDS', 5, 1, 60),
};
/** The gateway's RSS during each gateway row: sampled this often. */
const ROW_MEMORY_EVERY_MS = 500;
// spawnGateway finds the port in the info-level "e-SAV gateway listening" line: quieter levels
// would hide it (and production logs every request at info anyway).
if (!['trace', 'debug', 'info'].includes(SETTINGS.logLevel)) {
  throw new Error(`BENCH_LOG_LEVEL=${SETTINGS.logLevel}: the bench needs info (or debug/trace) to read the gateway's port from its "listening" line`);
}
const REQUEST_TIMEOUT_MS = 30_000;
const SETUP_BUDGET_MS = 240_000;

// ---------------------------------------------------------------- children and cleanup

interface Managed {
  name: string;
  child: ChildProcess;
  /** Extra step after the child is gone (the gateway's PostgreSQL if it was killed hard). */
  after?: () => Promise<void>;
  /** How long a SIGTERM may take before SIGKILL. */
  graceMs: number;
}
const managed: Managed[] = [];
let tmpDir: string | undefined;
let cleaning: Promise<void> | undefined;

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stop(m: Managed): Promise<void> {
  if (!exited(m.child)) {
    m.child.kill('SIGTERM');
    if (!(await waitExit(m.child, m.graceMs))) {
      process.stderr.write(`bench: ${m.name} did not stop in ${m.graceMs} ms: SIGKILL\n`);
      m.child.kill('SIGKILL');
      await waitExit(m.child, 5000);
    }
  }
  await m.after?.().catch((err) => process.stderr.write(`bench: cleanup of ${m.name}: ${(err as Error).message}\n`));
}

/** Stops every child (newest first: load, peers, then the gateway) and removes the temp folder. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const m of [...managed].reverse()) await stop(m);
    managed.length = 0;
    if (tmpDir) {
      try {
        rmSync(tmpDir, { recursive: true, force: true });
      } catch (err) {
        process.stderr.write(`bench: could not remove ${tmpDir}: ${(err as Error).message}\n`);
      }
    }
  })();
  return cleaning;
}

/** Stops everything and exits; a stuck cleanup cannot hold the process past 45 s. */
function abort(code: number, why: string): void {
  process.stderr.write(`bench: ${why}\n`);
  setTimeout(() => process.exit(code), 45_000).unref();
  void cleanup().finally(() => process.exit(code));
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (cleaning) process.exit(130);
    abort(130, `${sig}: stopping every child`);
  });
}

/** Pids of our direct children running `esav.js serve` (a gateway spawnGateway gave up on). */
function strayGatewayPids(): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('esav.js')) && cmd.includes('serve')) out.push(Number(n));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** A PostgreSQL left running in our data dir (its gateway was killed hard): fast shutdown. */
async function stopOrphanPostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}

// ---------------------------------------------------------------- helpers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Keeps the last lines of a child's output (for error messages) and drains the pipe. */
function tail(child: ChildProcess, keep = 40): string[] {
  const lines: string[] = [];
  const onData = (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter(Boolean));
    if (lines.length > keep) lines.splice(0, lines.length - keep);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return lines;
}

function forkBench(module: string, args: string[], stdout: 'inherit' | 'pipe'): ChildProcess {
  return fork(join(HERE, module), args, { stdio: ['ignore', stdout, 'pipe', 'ipc'] });
}

async function startPeer(kind: 'bare' | 'echo', pkiJson: string, slotAnswerFile?: string): Promise<{ child: ChildProcess; port: number }> {
  const child = forkBench('peer.js', [kind, pkiJson, ...(slotAnswerFile ? [slotAnswerFile] : [])], 'pipe');
  managed.push({ name: `${kind} peer`, child, graceMs: 3000 });
  const out = tail(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} peer did not start in 30 s:\n${out.join('\n')}`)), 30_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && m.port) {
        clearTimeout(timer);
        resolve({ child, port: m.port });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${kind} peer exited (${code ?? signal}) before listening:\n${out.join('\n')}`));
    });
  });
}

interface Target {
  name: TargetName;
  label: string;
  port: number;
  child: ChildProcess;
}

interface Measured<R extends LoadResult = LoadResult> {
  result: R;
  cpu: CpuUse;
  gatewayLogLines?: number;
  /** The gateway's resident size over the measured window (gateway rows). */
  memory?: MemoryFigures;
}

/** What a load process runs against: its process (CPU and, for the gateway, RSS are read from its tree). */
interface LoadTarget {
  label: string;
  child: ChildProcess;
  gateway: boolean;
}

/**
 * Runs one load process (load.js or handshake.js) to its result: CPU over its measured window
 * (between its measure-start and measure-end messages), and for the gateway its stdout lines and
 * the RSS of its processes, sampled every `memoryEveryMs` over the same window.
 */
async function runLoad<R extends LoadResult>(
  name: string,
  module: string,
  cfg: { warmupMs: number; durationMs: number },
  target: LoadTarget,
  gwLog: GatewayLog | undefined,
  memoryEveryMs: number,
  onMemory?: (s: MemorySample) => void,
): Promise<Measured<R>> {
  const child = forkBench(module, [JSON.stringify(cfg)], 'inherit');
  const m: Managed = { name: `load ${name}`, child, graceMs: 3000 };
  managed.push(m);
  const errTail = tail(child);
  const budget = cfg.warmupMs + cfg.durationMs + REQUEST_TIMEOUT_MS + 30_000;
  let startSample: { t: number; cpu: WindowSample; lines: number } | undefined;
  let cpu: CpuUse = {};
  let lines: number | undefined;
  let sampler: MemorySampler | undefined;
  let memory: MemoryFigures | undefined;
  try {
    const result = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load generator for ${name} still running after ${budget} ms`)), budget);
      child.on('message', (msg: { type: string; result?: R }) => {
        if (msg.type === 'measure-start') {
          startSample = { t: performance.now(), cpu: sampleWindow(target.child.pid, child.pid), lines: gwLog?.lines ?? 0 };
          if (target.gateway) {
            sampler = new MemorySampler(target.child.pid!, memoryEveryMs, onMemory);
            sampler.start();
          }
        } else if (msg.type === 'measure-end' && startSample) {
          const wall = performance.now() - startSample.t;
          cpu = cpuUse(startSample.cpu, sampleWindow(target.child.pid, child.pid), wall);
          if (gwLog) lines = gwLog.lines - startSample.lines;
          memory = sampler?.stop();
        } else if (msg.type === 'result' && msg.result) {
          clearTimeout(timer);
          resolve(msg.result);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`load generator for ${name} exited (${code ?? signal}) without a result:\n${errTail.join('\n')}`));
      });
      target.child.once('exit', (code, signal) => reject(new Error(`${target.label} exited (${code ?? signal}) during ${name}`)));
    });
    return { result, cpu, gatewayLogLines: lines, memory };
  } finally {
    sampler?.stop();
    await stop(m);
    managed.splice(managed.indexOf(m), 1);
  }
}

/** The bench's client certificates, by scope, for a load process. */
function clientPairs(pki: BenchPki, ftthPki: BenchPki | undefined): LoadConfig['clients'] {
  return { esav: { key: pki.clientKey, cert: pki.clientCert }, ...(ftthPki ? { ftth: { key: ftthPki.clientKey, cert: ftthPki.clientCert } } : {}) };
}

function measure(
  s: Scenario,
  target: Target,
  clients: LoadConfig['clients'],
  serverCa: string,
  gwLog: GatewayLog | undefined,
  references: string[],
  slots: SlotQuery | undefined,
  timing: { warmupSeconds: number; seconds: number; memoryEveryMs: number; onMemory?: (s: MemorySample) => void } = { ...SETTINGS, memoryEveryMs: ROW_MEMORY_EVERY_MS },
): Promise<Measured> {
  const cfg: LoadConfig = {
    scenario: s.name,
    origin: `https://127.0.0.1:${target.port}`,
    clients,
    serverCa,
    connections: SETTINGS.connections,
    warmupMs: timing.warmupSeconds * 1000,
    durationMs: timing.seconds * 1000,
    maxRequests: SETTINGS.maxRequests,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    client: SETTINGS.client,
    references: s.needsReferences ? references : undefined,
    slots: s.needsSlots ? slots : undefined,
  };
  return runLoad(s.name, 'load.js', cfg, { label: target.label, child: target.child, gateway: target.name === 'gateway' }, gwLog, timing.memoryEveryMs, timing.onMemory);
}

/** A handshake row: new mTLS connections per second against port (the target's process: child). */
function measureHandshake(t: HandshakeTarget, port: number, child: ChildProcess, pki: BenchPki, gwLog: GatewayLog | undefined): Promise<Measured<HandshakeResult>> {
  const cfg: HandshakeConfig = {
    target: t,
    port,
    clientKey: pki.clientKey,
    clientCert: pki.clientCert,
    serverCa: pki.serverCa,
    // The server's own pair: signed by the server CA, which no target trusts for clients.
    wrongKey: pki.serverKey,
    wrongCert: pki.serverCert,
    connections: SETTINGS.connections,
    warmupMs: SETTINGS.warmupSeconds * 1000,
    durationMs: SETTINGS.seconds * 1000,
    maxConnections: SETTINGS.maxRequests,
    timeoutMs: 10_000,
  };
  return runLoad<HandshakeResult>(handshakeRowName(t), 'handshake.js', cfg, { label: t, child, gateway: t === 'gateway' }, gwLog, ROW_MEMORY_EVERY_MS);
}

interface DbFacts {
  version?: string;
  fsync?: string;
  synchronousCommit?: string;
  tickets?: number;
  /** Slot searches the bench's operator made during the run (one row per answered search). */
  slotSearches?: number;
}

async function dbFacts(url: string, since: Date): Promise<DbFacts> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    const v = await c.query('SELECT version() AS v, current_setting($1) AS f, current_setting($2) AS s', ['fsync', 'synchronous_commit']);
    const t = await c.query('SELECT count(*)::int AS n FROM tickets WHERE prestation_id = $1', [BENCH_PRESTATION]);
    const ss = await c.query('SELECT count(*)::int AS n FROM slot_searches WHERE operator_siren = $1 AND created_at >= $2', [BENCH_SIREN, since]);
    return { version: String(v.rows[0].v).split(' on ')[0], fsync: v.rows[0].f, synchronousCommit: v.rows[0].s, tickets: t.rows[0].n, slotSearches: ss.rows[0].n };
  } catch (err) {
    process.stderr.write(`bench: could not read database facts: ${(err as Error).message}\n`);
    return {};
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** How many workers `esav serve` runs: ESAV_WORKERS, else its default (one per core, src/config.ts). */
function gatewayWorkers(): number {
  const n = Number(process.env.ESAV_WORKERS);
  return Number.isInteger(n) && n >= 1 ? n : os.cpus().length;
}

/**
 * Deposits `count` tickets on the gateway with the bench's client certificate (the same request as
 * deposit@*), 8 at a time over keep-alive, and returns their references for the state query.
 */
async function depositTickets(port: number, pki: BenchPki, count: number): Promise<string[]> {
  const creds = { key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert), ca: readFileSync(pki.serverCa) };
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8 });
  const url = `https://127.0.0.1:${port}${SIGNALISATION_V1}`;
  const refs: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const r = await soapPost(url, creds, DEPOSIT_BODY, DEPOSIT_ACTION, {}, agent);
      const ref = r.status === 200 ? depositReference(r.body) : undefined;
      if (!ref) throw new Error(`setup deposit failed: HTTP ${r.status}: ${r.body.slice(0, 400)}`);
      refs.push(ref);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  } finally {
    agent.destroy();
  }
  return refs;
}

/** A CLI step that may already be done when DATABASE_URL points at a database used before. */
function setupStep(env: NodeJS.ProcessEnv, external: boolean, ...args: string[]): void {
  if (!external) {
    esavOk(env, ...args);
    return;
  }
  const r = esav(env, ...args);
  if (r.status !== 0 && !/already exists/.test(r.stderr)) throw new Error(`esav ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

// ---------------------------------------------------------------- slot search data


const WINDOW_MIN = 120;
const BENCH_APPOINTMENT_PREFIX = 'BENCH-';

/**
 * The search window: from the next Monday 00:00 Paris (strictly after today, so 1 to 7 days
 * ahead: never in the past, and wholly in the future whatever the time of the run, so the answer
 * does not depend on it) to 00:00 Paris SLOT_WINDOW_DAYS calendar days later (DST-safe).
 */
function slotWindow(now: Date): { days: string[]; from: Date; to: Date } {
  const today = parisDate(now);
  const monday = addCalendarDays(today, 8 - isoWeekday(today));
  const days = Array.from({ length: SLOT_WINDOW_DAYS }, (_, i) => addCalendarDays(monday, i));
  return { days, from: parisTime(monday, 0, 0), to: parisTime(addCalendarDays(monday, SLOT_WINDOW_DAYS), 0, 0) };
}

/** The first instant of [from, to] (checked every 30 s) in the gateway's 01:00-04:00 search blackout. */
function blackoutDuring(from: Date, to: Date): Date | undefined {
  for (let t = from.getTime(); ; t = Math.min(t + 30_000, to.getTime())) {
    if (isInSearchBlackout(new Date(t)).blackout) return new Date(t);
    if (t >= to.getTime()) return undefined;
  }
}

function parisClock(d: Date): string {
  return d.toLocaleTimeString('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
}

const BLACKOUT_REASON = 'not measured: blackout';

/**
 * Technicians (through `esav planning load`), then SLOT_BOOKED_FRACTION of each one's working
 * time in the window booked in PostgreSQL: every working day offers (end - start) / 2 h aligned
 * 2-hour windows per technician (08:00, 10:00, ... 16:00); a seeded shuffle picks the booked ones,
 * so the bookings never overlap (the exclusion constraint) and differ from one technician to the
 * next. Returns what was made, for the report.
 */
async function makeSlotData(env: NodeJS.ProcessEnv, dbUrl: string, now: Date): Promise<{ query: SlotQuery; facts: SlotFacts }> {
  const names = Array.from({ length: SLOT_TECHNICIANS }, (_, i) => `bench-tech-${String(i + 1).padStart(2, '0')}`);
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const planning = join(tmpDir!, 'planning.json');
  writeFileSync(
    planning,
    JSON.stringify(names.map((name) => ({ name, zones: [SLOT_ZONE], types: ['S', 'E'], weekdays: SLOT_WEEKDAYS, hours: `${hm(SLOT_HOURS.startMinute)}-${hm(SLOT_HOURS.endMinute)}` }))),
  );
  esavOk(env, 'planning', 'load', '--file', planning);

  const { days, from, to } = slotWindow(now);
  const workDays = days.filter((d) => SLOT_WEEKDAYS.includes(isoWeekday(d)));
  const perDay = Math.floor((SLOT_HOURS.endMinute - SLOT_HOURS.startMinute) / WINDOW_MIN);
  const positions = workDays.flatMap((day) => Array.from({ length: perDay }, (_, p) => ({ day, minute: SLOT_HOURS.startMinute + p * WINDOW_MIN })));
  const workingMinutesPerTech = workDays.length * (SLOT_HOURS.endMinute - SLOT_HOURS.startMinute);
  const bookPerTech = Math.round((SLOT_BOOKED_FRACTION * workingMinutesPerTech) / WINDOW_MIN);

  const c = new pg.Client({ connectionString: dbUrl, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    const techs = await c.query<{ id: string; name: string }>('SELECT id::text AS id, name FROM technicians WHERE name = ANY($1) ORDER BY name', [names]);
    if (techs.rowCount !== names.length) throw new Error(`planning load made ${techs.rowCount} of the ${names.length} bench technicians`);
    // A database used before (DATABASE_URL): the previous run's bookings go first.
    await c.query(
      `DELETE FROM appointments a WHERE a.id LIKE $1 AND NOT EXISTS (SELECT 1 FROM appointment_events e WHERE e.appointment_id = a.id)`,
      [`${BENCH_APPOINTMENT_PREFIX}%`],
    );
    const ids: string[] = [];
    const techIds: string[] = [];
    const starts: string[] = [];
    const ends: string[] = [];
    techs.rows.forEach((t, k) => {
      const rnd = prng(k + 1);
      const pick = positions.map((p) => ({ p, r: rnd() })).sort((a, b) => a.r - b.r).slice(0, bookPerTech).map((x) => x.p);
      pick.forEach((p, n) => {
        const start = parisTime(p.day, Math.floor(p.minute / 60), p.minute % 60);
        ids.push(`${BENCH_APPOINTMENT_PREFIX}${String(k + 1).padStart(2, '0')}-${String(n + 1).padStart(3, '0')}`);
        techIds.push(t.id);
        starts.push(start.toISOString());
        ends.push(new Date(start.getTime() + WINDOW_MIN * 60_000).toISOString());
      });
    });
    const ins = await c.query(
      `INSERT INTO appointments (id, operator_siren, technician_id, code_insee, intervention_type, nature_produit, segment,
                                 starts_at, ends_at, status, reserved_at, updated_at)
       SELECT u.id, $1, u.tech, $2, 'S', 'FTTH_ACCES', 'GP', u.s, u.e, 'CONFIRME', $3, $3
         FROM unnest($4::text[], $5::bigint[], $6::timestamptz[], $7::timestamptz[]) AS u(id, tech, s, e)
       ON CONFLICT DO NOTHING`,
      [BENCH_SIREN, SLOT_ZONE, now, ids, techIds, starts, ends],
    );
    const zone = await c.query(
      `SELECT count(*)::int AS n FROM technicians WHERE active AND $1 = ANY (zones) AND 'S' = ANY (intervention_types)`,
      [SLOT_ZONE],
    );
    const booked = await c.query(
      `SELECT count(*)::int AS n, coalesce(sum(extract(epoch FROM ends_at - starts_at) / 60), 0)::int AS minutes
         FROM appointments WHERE technician_id = ANY ($1::bigint[]) AND status <> 'ANNULE' AND starts_at < $3 AND ends_at > $2`,
      [techs.rows.map((t) => t.id), from, to],
    );
    const query: SlotQuery = { siren: BENCH_SIREN, providerSiren: PROVIDER_SIREN, zone: SLOT_ZONE, from: from.toISOString(), to: to.toISOString() };
    return {
      query,
      facts: {
        zone: SLOT_ZONE,
        from: `${days[0]} 00:00`,
        to: `${addCalendarDays(days[0]!, SLOT_WINDOW_DAYS)} 00:00`,
        days: SLOT_WINDOW_DAYS,
        workingDays: workDays.length,
        technicians: names.length,
        zoneTechnicians: zone.rows[0].n,
        hours: `${hm(SLOT_HOURS.startMinute)}-${hm(SLOT_HOURS.endMinute)}`,
        appointments: ins.rowCount ?? 0,
        bookedFraction: booked.rows[0].minutes / (workingMinutesPerTech * names.length),
      },
    };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** One search on the gateway with the ftth certificate: its answer (size, slot count) and time. */
async function probeSlots(port: number, pki: BenchPki, q: SlotQuery): Promise<{ blackout: boolean; body: string; ms: number }> {
  const creds = { key: readFileSync(pki.clientKey), cert: readFileSync(pki.clientCert), ca: readFileSync(pki.serverCa) };
  const t0 = performance.now();
  const r = await soapPost(`https://127.0.0.1:${port}${RDV_FTTH_V1}`, creds, slotSearchXml(q), '');
  const ms = performance.now() - t0;
  // The blackout began between the bench's check and the gateway's.
  if (r.body.includes('[RECHERCHE_INDISPONIBLE]')) return { blackout: true, body: r.body, ms };
  if (r.status !== 200 || !isSlotAnswer(r.body)) throw new Error(`setup slot search failed: HTTP ${r.status}: ${r.body.slice(0, 600)}`);
  return { blackout: false, body: r.body, ms };
}

// ---------------------------------------------------------------- the run

/** The gateway with its data, ready for the load (steps 1 and 2). */
interface Setup {
  env: NodeJS.ProcessEnv;
  dbUrl: string;
  external: boolean;
  gw: { child: ChildProcess; port: number };
  gwLog: GatewayLog;
  pki: BenchPki;
  pkiJson: string;
  ftthPki?: BenchPki;
  references: string[];
  slotQuery?: SlotQuery;
  slotFacts?: SlotFacts;
  slotAnswerFile?: string;
  /** The data folder's flush latency, measured before the gateway starts (embedded PostgreSQL only). */
  flush?: FlushFacts;
}

/** Starts the gateway as ops run it and makes the data the load needs, through its CLI. */
async function setUp(needs: { references: boolean; slots: boolean }): Promise<Setup> {
  tmpDir = mkdtempSync(join(os.tmpdir(), 'esav-bench-'));
  // As root the embedded PostgreSQL runs as 'postgres', which must be able to enter the folder.
  chmodSync(tmpDir, 0o755);
  const dataDir = join(tmpDir, 'data');
  const certsDir = join(tmpDir, 'certs');
  const clientDir = join(tmpDir, 'client');
  const ftthClientDir = join(tmpDir, 'client-ftth');
  const external = Boolean(process.env.DATABASE_URL);
  const pgPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    ESAV_DATA_DIR: dataDir,
    ESAV_CERTS_DIR: certsDir,
    ESAV_PORT: '0',
    ESAV_ADMIN_PORT: '0',
    ESAV_HOST: '127.0.0.1',
    ESAV_PG_PORT: String(pgPort),
    ESAV_LOG_LEVEL: SETTINGS.logLevel,
    // sirenOI of the slot search's EnteteType header (the gateway's default, pinned).
    ESAV_PROVIDER_SIREN: PROVIDER_SIREN,
  };
  const dbUrl = process.env.DATABASE_URL || `postgres://esav:esav@127.0.0.1:${pgPort}/esav`;

  // The disk the embedded PostgreSQL will flush its WAL to, measured while nothing else runs.
  let flush: FlushFacts | undefined;
  if (!external) {
    flush = measureFlush(tmpDir);
    console.log(`bench: ${flushText(flush)}`);
  }

  // 1. the gateway, as ops run it
  console.log(`bench: starting the gateway (${external ? 'DATABASE_URL' : 'embedded PostgreSQL'}, log level ${SETTINGS.logLevel}) in ${tmpDir}`);
  const nodeOptions = [
    SETTINGS.gatewayNodeOptions,
    SETTINGS.gatewayCpuProf && `--import=${pathToFileURL(join(HERE, 'cpu-profile.js')).href}`,
  ].filter(Boolean);
  const gwEnv: NodeJS.ProcessEnv = { ...env };
  if (nodeOptions.length) gwEnv.NODE_OPTIONS = nodeOptions.join(' ');
  if (SETTINGS.gatewayCpuProf) gwEnv.ESAV_BENCH_CPU_PROF_DIR = resolve(SETTINGS.gatewayCpuProf);
  let gw: Awaited<ReturnType<typeof spawnGateway>>;
  try {
    gw = await spawnGateway(gwEnv);
  } catch (err) {
    // spawnGateway gives up without handing over the child: find it by parent pid and stop it.
    for (const pid of strayGatewayPids()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await new Promise((r) => setTimeout(r, 3000));
    if (!external) await stopOrphanPostgres(dataDir);
    throw new Error(`the gateway did not start: ${(err as Error).message}`);
  }
  managed.push({ name: 'gateway', child: gw.child, graceMs: 20_000, after: external ? undefined : () => stopOrphanPostgres(dataDir) });
  // Take over its stdout from spawnGateway (which keeps every line): count and drain instead.
  gw.child.stdout!.removeAllListeners('data');
  const gwLog = new GatewayLog(gw.child.stdout!);
  console.log(`bench: gateway pid ${gw.child.pid} on port ${gw.port}`);

  // 2. data, through the real CLI against the running gateway's database
  setupStep(env, external, 'operator', 'add', '--siren', BENCH_SIREN, '--name', 'Bench');
  // Production refuses an operator's domains until validated on the integration platform: ops' by-hand record.
  esavOk(env, 'operator', 'validation', '--siren', BENCH_SIREN, '--record', 'all', '--reason', 'bench');
  setupStep(env, external, 'prestation', 'add', '--operator', BENCH_SIREN, '--id', BENCH_PRESTATION, '--offer', 'ETH_ENTREPRISE');
  esavOk(env, 'cert', 'issue', '--operator', BENCH_SIREN, '--scope', 'esav', '--out', clientDir);
  const pki = benchPki(certsDir, clientDir);
  const pkiJson = join(tmpDir, 'pki.json');
  writeFileSync(pkiJson, JSON.stringify(pki));
  const references = needs.references ? await depositTickets(gw.port, pki, STATE_REFERENCES) : [];
  if (references.length) console.log(`bench: deposited ${references.length} tickets for the state query (${references[0]}, ...)`);

  // The slot search: its certificate, planning and bookings, and one probe search.
  const setup: Setup = { env, dbUrl, external, gw, gwLog, pki, pkiJson, references, flush };
  if (needs.slots) {
    esavOk(env, 'cert', 'issue', '--operator', BENCH_SIREN, '--scope', 'ftth', '--out', ftthClientDir);
    const ftthPki = benchPki(certsDir, ftthClientDir);
    const made = await makeSlotData(env, dbUrl, new Date());
    const slotFacts = made.facts;
    Object.assign(setup, { ftthPki, slotQuery: made.query, slotFacts });
    console.log(
      `bench: slot search data: ${slotFacts.technicians} technicians in ${slotFacts.zone} (${slotFacts.zoneTechnicians} in the zone doing S), ` +
        `${slotFacts.appointments} appointments booked (${(slotFacts.bookedFraction * 100).toFixed(1)}% of their working time), window ${made.query.from} .. ${made.query.to}`,
    );
    const now = new Date();
    const probe = isInSearchBlackout(now).blackout ? undefined : await probeSlots(gw.port, ftthPki, made.query);
    if (!probe || probe.blackout) {
      slotFacts.blackout = `the bench ran at ${parisClock(now)} Paris time, in the gateway's slot-search blackout (01:00-04:00 Paris)`;
      console.log(`bench: SLOT SEARCH NOT MEASURED: ${slotFacts.blackout}: the gateway refuses slot searches then; the rows with slot searches are skipped (run the bench again after 04:00 Paris)`);
    } else {
      slotFacts.probe = { slots: slotCount(probe.body), bytes: Buffer.byteLength(probe.body), ms: probe.ms };
      setup.slotAnswerFile = join(tmpDir, 'slots-answer.xml');
      writeFileSync(setup.slotAnswerFile, probe.body);
      console.log(`bench: probe slot search: ${slotFacts.probe.slots} slots, ${slotFacts.probe.bytes} bytes, ${probe.ms.toFixed(1)} ms (first call); the bare peer replays this answer`);
    }
  }
  return setup;
}

function machineFacts(db: DbFacts, external: boolean, flush: FlushFacts | undefined): Report['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: db.version,
    database: external ? 'DATABASE_URL' : 'embedded',
    flush,
  };
}

/** The settings a run was given, as the command line that repeats it (DATABASE_URL named, not shown: it may hold a password). */
function commandLine(): string {
  const keys = [
    'ESAV_WORKERS', 'BENCH_SECONDS', 'BENCH_WARMUP_SECONDS', 'BENCH_CONNECTIONS', 'BENCH_SCENARIOS', 'BENCH_LOG_LEVEL', 'BENCH_MAX_REQUESTS', 'BENCH_CLIENT',
    'BENCH_GATEWAY_NODE_OPTIONS', 'BENCH_SOAK_SECONDS', 'BENCH_SOAK_WARMUP_SECONDS', 'BENCH_SOAK_SAMPLE_SECONDS',
  ];
  const set = keys.filter((k) => process.env[k]).map((k) => `${k}=${/^[\w.,@=:/-]+$/.test(process.env[k]!) ? process.env[k] : JSON.stringify(process.env[k])}`);
  if (process.env.DATABASE_URL) set.unshift('DATABASE_URL=...');
  const script = process.argv.includes('--soak') ? 'npm run bench:soak' : 'npm run bench';
  return [...set, script].join(' ');
}

/** Every row name BENCH_SCENARIOS may hold. */
const ROW_NAMES = [...SCENARIOS.map((s) => s.name), ...HANDSHAKE_TARGETS.map(handshakeRowName)];

async function main(): Promise<number> {
  if (SETTINGS.soakSeconds > 0) return soak();
  const only = SETTINGS.only;
  const unknown = only?.filter((n) => !ROW_NAMES.includes(n)) ?? [];
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')}; known: ${ROW_NAMES.join(', ')}`);
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  const handshakes = only ? HANDSHAKE_TARGETS.filter((t) => only.includes(handshakeRowName(t))) : HANDSHAKE_TARGETS;
  if (scenarios.length + handshakes.length === 0) throw new Error(`BENCH_SCENARIOS matches none of ${ROW_NAMES.join(', ')}`);
  const needs = new Set<TargetName>(scenarios.map((s) => s.target));
  if (handshakes.includes('bare')) needs.add('bare');
  const started = new Date();

  const setup = await setUp({ references: scenarios.some((s) => s.needsReferences), slots: scenarios.some((s) => s.needsSlots) });
  const { gw, gwLog, pki, ftthPki, references, slotQuery, slotFacts } = setup;

  // 3. the peers
  const targets = new Map<TargetName, Target>();
  targets.set('gateway', { name: 'gateway', label: 'gateway', port: gw.port, child: gw.child });
  for (const kind of ['bare', 'echo'] as const) {
    if (!needs.has(kind)) continue;
    const p = await startPeer(kind, setup.pkiJson, kind === 'bare' ? setup.slotAnswerFile : undefined);
    targets.set(kind, { name: kind, label: `${kind} peer`, port: p.port, child: p.child });
    console.log(`bench: ${kind} peer pid ${p.child.pid} on port ${p.port}`);
  }

  // 4. the scenarios, one after the other
  const rows: Row[] = [];
  const skipped: SkippedRow[] = [];
  const clients = clientPairs(pki, ftthPki);
  for (const s of scenarios) {
    const target = targets.get(s.target)!;
    if (s.needsSlots) {
      // The gateway refuses slot searches 01:00-04:00 Paris: a row that would run then is skipped.
      const start = new Date();
      const during = slotFacts?.blackout ? start : blackoutDuring(start, new Date(start.getTime() + (SETTINGS.warmupSeconds + SETTINGS.seconds + 15) * 1000));
      if (during) {
        skipped.push({ scenario: s.name, operation: s.operation, target: s.target, reason: BLACKOUT_REASON });
        console.log(`bench: ${s.name}: NOT MEASURED (blackout): the row would still be running at ${parisClock(during)} Paris time, and the gateway refuses slot searches from 01:00 to 04:00 Paris; run the bench again after 04:00`);
        continue;
      }
    }
    console.log(`bench: ${s.name}: ${SETTINGS.warmupSeconds} s warm-up + ${SETTINGS.seconds} s, ${SETTINGS.connections} connections...`);
    const m = await measure(s, target, clients, pki.serverCa, s.target === 'gateway' ? gwLog : undefined, references, slotQuery);
    rows.push({ scenario: s.name, operation: s.operation, target: s.target, ...m });
    const r = m.result;
    const rss = m.memory ? `, gateway RSS max ${(m.memory.total.max / MB).toFixed(0)} MB in all` : '';
    console.log(`bench: ${s.name}: ${r.reqPerSec.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.errors} errors${rss}`);
    for (const e of r.errorSamples) console.log(`bench:   error sample: ${e}`);
  }

  // 5. new mTLS connections per second: the gateway, the bare peer, openssl s_server
  const handshakeRows: HandshakeRow[] = [];
  const handshakesSkipped: SkippedHandshake[] = [];
  const openssl = handshakes.includes('openssl') ? opensslVersion() : undefined;
  for (const t of handshakes) {
    let port: number;
    let child: ChildProcess;
    let own: Managed | undefined;
    if (t === 'openssl') {
      if (!openssl) {
        handshakesSkipped.push({ target: t, reason: 'not measured: no openssl on the PATH' });
        console.log('bench: handshake@openssl: NOT MEASURED: no `openssl` on the PATH (apt-get install -y openssl)');
        continue;
      }
      port = await freePort();
      child = await startOpensslServer(pki, port, join(tmpDir!, 'openssl'));
      own = { name: 'openssl s_server', child, graceMs: 3000 };
      managed.push(own);
      console.log(`bench: openssl s_server pid ${child.pid} on port ${port} (${openssl})`);
    } else {
      const target = targets.get(t)!;
      port = target.port;
      child = target.child;
    }
    console.log(`bench: ${handshakeRowName(t)}: ${SETTINGS.warmupSeconds} s warm-up + ${SETTINGS.seconds} s, ${SETTINGS.connections} connectors...`);
    try {
      const m = await measureHandshake(t, port, child, pki, t === 'gateway' ? gwLog : undefined);
      handshakeRows.push({ target: t, result: m.result, cpu: m.cpu, memory: m.memory });
      const r = m.result;
      console.log(`bench: ${handshakeRowName(t)}: ${r.reqPerSec.toFixed(0)} connections/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.errors} errors (${r.protocol ?? '?'})`);
      for (const f of r.probeFailures) console.log(`bench:   PROBE FAILED: ${f}`);
      for (const e of r.errorSamples) console.log(`bench:   error sample: ${e}`);
    } finally {
      if (own) {
        await stop(own);
        managed.splice(managed.indexOf(own), 1);
      }
    }
  }

  const db = await dbFacts(setup.dbUrl, started);
  const report: Report = {
    date: started,
    settings: { seconds: SETTINGS.seconds, warmupSeconds: SETTINGS.warmupSeconds, connections: SETTINGS.connections, logLevel: SETTINGS.logLevel, client: SETTINGS.client },
    machine: machineFacts(db, setup.external, setup.flush),
    db,
    gatewayWorkers: gatewayWorkers(),
    stateReferences: STATE_REFERENCES,
    order: scenarios.map((s) => s.name),
    rows,
    skipped,
    slots: slotFacts,
    gatewayProblems: gwLog.problems,
    bars: BARS,
    handshakes: handshakeRows,
    handshakesSkipped,
    openssl,
    memoryEveryMs: ROW_MEMORY_EVERY_MS,
    command: commandLine(),
  };
  console.log('');
  console.log(renderConsole(report));
  if (SETTINGS.write) {
    const path = join(PROJECT_ROOT, 'BENCHMARKS.md');
    writeBenchmarksMd(path, renderMarkdown(report));
    console.log(`bench: wrote ${path}`);
  }

  const failed = [
    ...rows.filter((r) => r.result.errors > 0 || r.result.warmupErrors > 0 || r.result.ok === 0).map((r) => r.scenario),
    ...handshakeRows.filter((h) => h.result.errors > 0 || h.result.warmupErrors > 0 || h.result.ok === 0 || h.result.probeFailures.length > 0).map((h) => handshakeRowName(h.target)),
  ];
  if (failed.length) {
    process.stderr.write(`bench: errors from ${failed.join(', ')}\n`);
    return 1;
  }
  const notMet = [
    ...barVerdicts(report).filter((v) => v.met === false).map((v) => `issue ${v.bar.issue} ${v.bar.operation}`),
    ...memoryVerdicts(report).filter((v) => v.met === false).map((v) => v.statement),
  ];
  if (SETTINGS.enforce && notMet.length) {
    process.stderr.write(`bench: bar not met for ${notMet.join(', ')} (BENCH_ENFORCE=1)\n`);
    return 1;
  }
  return 0;
}

/**
 * Soak mode: the mixed workload on the gateway for BENCH_SOAK_SECONDS after
 * BENCH_SOAK_WARMUP_SECONDS, the RSS of its processes every BENCH_SOAK_SAMPLE_SECONDS, written to
 * the soak's own generated part of BENCHMARKS.md.
 */
async function soak(): Promise<number> {
  const seconds = SETTINGS.soakSeconds;
  const warmup = SETTINGS.soakWarmupSeconds;
  const scenario = scenarioByName('mixed@gateway');
  if (!isMixed(scenario)) throw new Error('mixed@gateway is not a mixed scenario');
  // The mix holds slot searches, which the gateway refuses from 01:00 to 04:00 Paris.
  const worst = new Date(Date.now() + SETUP_BUDGET_MS + (warmup + seconds + 15) * 1000);
  const during = blackoutDuring(new Date(), worst);
  if (during) {
    process.stderr.write(
      `bench: the soak could still be running at ${parisClock(during)} Paris time, in the gateway's slot-search blackout (01:00-04:00 Paris), and its mix holds slot searches: start it so that it ends before 01:00 or after 04:00 Paris\n`,
    );
    return 1;
  }
  const started = new Date();
  const setup = await setUp({ references: true, slots: true });
  if (setup.slotFacts?.blackout) {
    process.stderr.write(`bench: soak not run: ${setup.slotFacts.blackout}\n`);
    return 1;
  }
  const target: Target = { name: 'gateway', label: 'gateway', port: setup.gw.port, child: setup.gw.child };
  const everyMs = SETTINGS.soakSampleSeconds * 1000;
  let lastPrint = -Infinity;
  const progress = (s: MemorySample) => {
    if (s.t - lastPrint < 60_000) return;
    lastPrint = s.t;
    const each = s.processes.map((p) => (p.rss / MB).toFixed(0)).join(' + ');
    console.log(`bench: soak: ${(s.t / 60_000).toFixed(1)} min, gateway RSS ${(s.rss / MB).toFixed(0)} MB (${each})`);
  };
  console.log(`bench: soak: mixed@gateway, ${warmup} s warm-up + ${seconds} s, ${SETTINGS.connections} connections, RSS every ${SETTINGS.soakSampleSeconds} s...`);
  const samples: MemorySample[] = [];
  const m = await measure(scenario, target, clientPairs(setup.pki, setup.ftthPki), setup.pki.serverCa, setup.gwLog, setup.references, setup.slotQuery, {
    warmupSeconds: warmup,
    seconds,
    memoryEveryMs: everyMs,
    onMemory: (s) => {
      samples.push(s);
      progress(s);
    },
  });
  if (!m.memory || m.memory.samples === 0) throw new Error('the soak has no memory samples (no /proc?)');
  const db = await dbFacts(setup.dbUrl, started);
  const report: SoakReport = {
    date: started,
    seconds,
    warmupSeconds: warmup,
    connections: SETTINGS.connections,
    sampleSeconds: SETTINGS.soakSampleSeconds,
    logLevel: SETTINGS.logLevel,
    machine: machineFacts(db, setup.external, setup.flush),
    db,
    gatewayWorkers: gatewayWorkers(),
    result: m.result,
    cpu: m.cpu,
    memory: m.memory,
    samples,
    command: commandLine(),
  };
  console.log('');
  console.log(renderSoakConsole(report));
  if (SETTINGS.write) {
    const path = join(PROJECT_ROOT, 'BENCHMARKS.md');
    writeGeneratedPart(path, renderSoakMarkdown(report), SOAK_BEGIN, SOAK_END);
    console.log(`bench: wrote the soak part of ${path}`);
  }
  const r = m.result;
  if (r.errors > 0 || r.warmupErrors > 0 || r.ok === 0) {
    process.stderr.write(`bench: errors during the soak (${r.errors} measured, ${r.warmupErrors} in warm-up)\n`);
    return 1;
  }
  const notMet = soakVerdicts(report).filter((v) => v.met === false);
  if (SETTINGS.enforce && notMet.length) {
    process.stderr.write(`bench: bar not met for ${notMet.map((v) => v.statement).join('; ')} (BENCH_ENFORCE=1)\n`);
    return 1;
  }
  return 0;
}

const ROW_MS = (SETTINGS.warmupSeconds + SETTINGS.seconds) * 1000 + REQUEST_TIMEOUT_MS + 40_000;
const overallMs =
  SETTINGS.soakSeconds > 0
    ? SETUP_BUDGET_MS + (SETTINGS.soakWarmupSeconds + SETTINGS.soakSeconds) * 1000 + REQUEST_TIMEOUT_MS + 60_000
    : SETUP_BUDGET_MS + ROW_NAMES.length * ROW_MS;
const overall = setTimeout(() => abort(2, `overall timeout (${Math.round(overallMs / 1000)} s): stopping`), overallMs);

main().then(
  async (code) => {
    clearTimeout(overall);
    setTimeout(() => process.exit(code), 45_000).unref();
    await cleanup();
    process.exit(code);
  },
  (err) => {
    clearTimeout(overall);
    // Already stopping (signal, timeout): the error is only the consequence.
    if (cleaning) return;
    abort(1, (err as Error).stack ?? String(err));
  },
);
