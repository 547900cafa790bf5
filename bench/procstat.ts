/**
 * CPU time of processes from /proc (Linux only; elsewhere every reading is undefined), to tell
 * where the cores went during a measured window: the target (its process and its non-PostgreSQL
 * descendants: the gateway's node:cluster workers), PostgreSQL (descendants named "postgres": the
 * embedded PostgreSQL runs under the gateway's primary process), the load generator.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in ms */
  cpuMs: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields after it follow the last ')'.
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const rest = raw.slice(close + 2).split(' ');
    // rest[0] = state (field 3), so field n is rest[n - 3]
    const ppid = Number(rest[1]);
    // utime + stime, plus cutime + cstime: the time of its children that exited and were reaped
    // (PostgreSQL's autovacuum workers, a replaced cluster worker), which no live process shows.
    const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
    return { pid, ppid, comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

function allStats(): Stat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: Stat[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const s = readStat(Number(n));
    if (s) out.push(s);
  }
  return out;
}

export interface CpuSample {
  /** CPU ms of the process itself (and of its reaped children) */
  self: number | undefined;
  /** CPU ms of its live descendants that are not PostgreSQL (the gateway's cluster workers) */
  app: number | undefined;
  /** CPU ms of its live PostgreSQL descendants (comm "postgres") */
  db: number | undefined;
  /** Live processes in the tree that are not PostgreSQL, the process itself included. */
  appProcesses: number;
  dbProcesses: number;
}

const isPostgres = (s: Stat) => s.comm === 'postgres' || s.comm.startsWith('postgres:');

/** One reading of pid and of every live descendant of pid. */
export function sampleTree(pid: number | undefined): CpuSample {
  const none: CpuSample = { self: undefined, app: undefined, db: undefined, appProcesses: 0, dbProcesses: 0 };
  if (pid === undefined) return none;
  const stats = allStats();
  if (stats.length === 0) return none;
  const children = new Map<number, Stat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const self = stats.find((s) => s.pid === pid)?.cpuMs;
  let app = 0;
  let db = 0;
  let appProcesses = self === undefined ? 0 : 1;
  let dbProcesses = 0;
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const s = stack.pop()!;
    if (isPostgres(s)) {
      db += s.cpuMs;
      dbProcesses++;
    } else {
      app += s.cpuMs;
      appProcesses++;
    }
    stack.push(...(children.get(s.pid) ?? []));
  }
  return { self, app, db: dbProcesses ? db : undefined, appProcesses, dbProcesses };
}

/**
 * pid (first) and its live descendants that are not PostgreSQL, nor below a PostgreSQL process:
 * the gateway's primary and its node:cluster workers. Empty when pid is gone or /proc is missing.
 */
export function appPids(pid: number): number[] {
  const stats = allStats();
  if (!stats.some((s) => s.pid === pid)) return [];
  const children = new Map<number, Stat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const out = [pid];
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const s = stack.pop()!;
    if (isPostgres(s)) continue;
    out.push(s.pid);
    stack.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/** Busy CPU ms of the whole machine (every core), from the first line of /proc/stat. */
export function systemBusyMs(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0);
    return (busy * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface CpuUse {
  /** Cores used on average in the window (1.0 = one core busy all the time): the target process and its non-PostgreSQL descendants. */
  targetCores?: number;
  /** Cores of the target's PostgreSQL descendants (the embedded PostgreSQL). */
  dbCores?: number;
  loadCores?: number;
  /** Busy cores not accounted to the target, its PostgreSQL, the load generator or the bench itself. */
  otherCores?: number;
  /** Processes of the target at the end of the window (PostgreSQL's not counted). */
  targetProcesses?: number;
}

export interface WindowSample {
  target: CpuSample;
  load: CpuSample;
  bench: CpuSample;
  system: number | undefined;
}

export function sampleWindow(targetPid: number | undefined, loadPid: number | undefined): WindowSample {
  return { target: sampleTree(targetPid), load: sampleTree(loadPid), bench: sampleTree(process.pid), system: systemBusyMs() };
}

function cores(a: number | undefined, b: number | undefined, wallMs: number): number | undefined {
  return a === undefined || b === undefined || wallMs <= 0 ? undefined : (b - a) / wallMs;
}

const plus = (a: number | undefined, b: number | undefined) => (a === undefined ? undefined : a + (b ?? 0));

export function cpuUse(a: WindowSample, b: WindowSample, wallMs: number): CpuUse {
  const use: CpuUse = {
    targetCores: cores(plus(a.target.self, a.target.app), plus(b.target.self, b.target.app), wallMs),
    dbCores: cores(a.target.db, b.target.db, wallMs),
    loadCores: cores(a.load.self, b.load.self, wallMs),
    targetProcesses: b.target.appProcesses || undefined,
  };
  const system = cores(a.system, b.system, wallMs);
  // The bench's own process only: its children are the target and the load generator, counted above.
  const bench = cores(a.bench.self, b.bench.self, wallMs);
  if (system !== undefined && use.targetCores !== undefined && use.loadCores !== undefined && bench !== undefined) {
    use.otherCores = Math.max(0, system - use.targetCores - (use.dbCores ?? 0) - use.loadCores - bench);
  }
  return use;
}
