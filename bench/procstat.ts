/**
 * CPU time of processes from /proc (Linux only; elsewhere every reading is undefined), to tell
 * where the cores went during a measured window: target process, its descendants (the embedded
 * PostgreSQL runs under the gateway), the load generator.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, in ms */
  cpuMs: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields after it follow the last ')'.
    const rest = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3), so field n is rest[n - 3]
    const ppid = Number(rest[1]);
    const ticks = Number(rest[11]) + Number(rest[12]);
    return { pid, ppid, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
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
  /** CPU ms of the process itself */
  self: number | undefined;
  /** CPU ms of all its live descendants */
  descendants: number | undefined;
  descendantCount: number;
}

/** One reading of pid and of every live descendant of pid. */
export function sampleTree(pid: number | undefined): CpuSample {
  if (pid === undefined) return { self: undefined, descendants: undefined, descendantCount: 0 };
  const stats = allStats();
  if (stats.length === 0) return { self: undefined, descendants: undefined, descendantCount: 0 };
  const children = new Map<number, Stat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const self = stats.find((s) => s.pid === pid)?.cpuMs;
  let descendants = 0;
  let count = 0;
  const stack = [...(children.get(pid) ?? [])];
  while (stack.length) {
    const s = stack.pop()!;
    descendants += s.cpuMs;
    count++;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return { self, descendants: count ? descendants : undefined, descendantCount: count };
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
  /** Cores used on average in the window (1.0 = one core busy all the time). */
  targetCores?: number;
  targetChildrenCores?: number;
  loadCores?: number;
  /** Busy cores not accounted to the target, its children, the load generator or the bench itself. */
  otherCores?: number;
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

export function cpuUse(a: WindowSample, b: WindowSample, wallMs: number): CpuUse {
  const use: CpuUse = {
    targetCores: cores(a.target.self, b.target.self, wallMs),
    targetChildrenCores: cores(a.target.descendants, b.target.descendants, wallMs),
    loadCores: cores(a.load.self, b.load.self, wallMs),
  };
  const system = cores(a.system, b.system, wallMs);
  const bench = cores(a.bench.self, b.bench.self, wallMs);
  if (system !== undefined && use.targetCores !== undefined && use.loadCores !== undefined && bench !== undefined) {
    use.otherCores = Math.max(0, system - use.targetCores - (use.targetChildrenCores ?? 0) - use.loadCores - bench);
  }
  return use;
}
