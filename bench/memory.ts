/**
 * Resident memory of the gateway's processes (the first and those it forked; not its
 * embedded PostgreSQL, a separate server whose shared buffers would blur the figure), read from
 * /proc while a row runs and over the soak (Linux only; elsewhere there are no samples).
 *   RSS: VmRSS of /proc/<pid>/status, the pages of the process in RAM, shared ones included (the
 *        node binary's code counts in every process, so the sum over processes overstates what
 *        they use together: an upper bound);
 *   PSS: Pss of /proc/<pid>/smaps_rollup, shared pages split between the processes mapping them
 *        (the sum is what the processes cost the machine together).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { appPids } from './procstat.js';

/** The bars' unit: MB = 10^6 bytes. */
export const MB = 1e6;

export interface ProcessReading {
  pid: number;
  /** bytes */
  rss: number;
  pss?: number;
}

export interface MemorySample {
  /** ms since the sampler started */
  t: number;
  processes: ProcessReading[];
  /** Sum over the processes (bytes). */
  rss: number;
  pss?: number;
}

/** A "Name:   123 kB" field of a /proc file, in bytes. */
export function kbField(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : undefined;
}

export function readProcess(pid: number): ProcessReading | undefined {
  let rss: number | undefined;
  try {
    rss = kbField(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch {
    return undefined;
  }
  if (rss === undefined) return undefined;
  let pss: number | undefined;
  try {
    pss = kbField(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
  } catch {
    /* no smaps_rollup (old kernel): RSS only */
  }
  return { pid, rss, pss };
}

/** One reading of rootPid and its non-PostgreSQL descendants; undefined when it is gone. */
export function sampleMemory(rootPid: number, t: number): MemorySample | undefined {
  const processes = appPids(rootPid)
    .map(readProcess)
    .filter((p): p is ProcessReading => p !== undefined);
  if (processes.length === 0) return undefined;
  const withPss = processes.every((p) => p.pss !== undefined);
  return {
    t,
    processes,
    rss: processes.reduce((a, p) => a + p.rss, 0),
    pss: withPss ? processes.reduce((a, p) => a + p.pss!, 0) : undefined,
  };
}

/** Samples every `everyMs` from start() to stop(); the first and last readings are taken at those calls. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  private timer?: NodeJS.Timeout;
  private t0 = 0;
  private figures?: MemoryFigures;

  constructor(
    private readonly rootPid: number,
    private readonly everyMs: number,
    private readonly onSample?: (s: MemorySample) => void,
  ) {}

  start(): void {
    this.t0 = performance.now();
    this.take();
    this.timer = setInterval(() => this.take(), this.everyMs);
  }

  /** Stops sampling (once: later calls give the same figures). */
  stop(): MemoryFigures {
    if (!this.figures) {
      clearInterval(this.timer);
      this.take();
      this.figures = memoryFigures(this.samples, this.rootPid, this.everyMs);
    }
    return this.figures;
  }

  private take(): void {
    const s = sampleMemory(this.rootPid, performance.now() - this.t0);
    if (!s) return;
    this.samples.push(s);
    this.onSample?.(s);
  }
}

export interface Trend {
  /** bytes: first reading, largest, last */
  start: number;
  max: number;
  end: number;
  /** bytes per minute, least squares over the second half of the samples (by time) */
  slopePerMin?: number;
}

export interface ProcessFigures extends Trend {
  pid: number;
  role: 'first' | 'forked';
}

export interface MemoryFigures {
  everyMs: number;
  samples: number;
  /** Time from the first sample to the last (ms). */
  durationMs: number;
  processes: ProcessFigures[];
  /** The sum of the processes' RSS at each sample. */
  total: Trend;
  /** The largest sum of PSS (when the kernel gives it). */
  maxPss?: number;
}

/** Least-squares slope of y over x; undefined without two distinct x. */
export function leastSquaresSlope(points: Array<{ x: number; y: number }>): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  return sxx > 0 ? sxy / sxx : undefined;
}

/** Slope per minute of value(sample) over the samples of the second half of the sampled time. */
export function secondHalfSlopePerMin(samples: MemorySample[], value: (s: MemorySample) => number | undefined): number | undefined {
  if (samples.length < 2) return undefined;
  const t0 = samples[0]!.t;
  const mid = t0 + (samples[samples.length - 1]!.t - t0) / 2;
  const points = samples
    .filter((s) => s.t >= mid)
    .map((s) => ({ x: (s.t - t0) / 60_000, y: value(s) }))
    .filter((p): p is { x: number; y: number } => p.y !== undefined);
  return leastSquaresSlope(points);
}

function trend(samples: MemorySample[], value: (s: MemorySample) => number | undefined): Trend | undefined {
  const values = samples.map(value).filter((v): v is number => v !== undefined);
  if (values.length === 0) return undefined;
  return { start: values[0]!, max: Math.max(...values), end: values[values.length - 1]!, slopePerMin: secondHalfSlopePerMin(samples, value) };
}

export function memoryFigures(samples: MemorySample[], rootPid: number, everyMs: number): MemoryFigures {
  const pids = [...new Set(samples.flatMap((s) => s.processes.map((p) => p.pid)))];
  // The first process (the one the bench started) first, then the forked ones in the order they appeared.
  pids.sort((a, b) => (a === rootPid ? -1 : b === rootPid ? 1 : 0));
  const processes = pids.map((pid) => ({
    pid,
    role: pid === rootPid ? ('first' as const) : ('forked' as const),
    ...trend(samples, (s) => s.processes.find((p) => p.pid === pid)?.rss)!,
  }));
  const pss = samples.map((s) => s.pss).filter((v): v is number => v !== undefined);
  return {
    everyMs,
    samples: samples.length,
    durationMs: samples.length ? samples[samples.length - 1]!.t - samples[0]!.t : 0,
    processes,
    total: trend(samples, (s) => s.rss) ?? { start: NaN, max: NaN, end: NaN },
    maxPss: pss.length ? Math.max(...pss) : undefined,
  };
}
