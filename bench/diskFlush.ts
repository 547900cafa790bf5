/**
 * The disk's flush latency, measured once per run before the gateway starts: every acknowledged
 * deposit waits for a WAL flush, so the deposit rows move with it from one machine to the next
 * (docs/scaling.md, "The same code on another VM": 0.1 ms on one VM, 0.28 ms on another, and the
 * gateway's deposits halved). Measured in the folder that holds the embedded PostgreSQL's data,
 * with the write size of a small WAL flush.
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from './window.js';

export interface FlushFacts {
  /** Calls measured. */
  count: number;
  bytes: number;
  p50: number;
  p99: number;
  mean: number;
}

/** `count` times: `bytes` written in place in one file, then fdatasync; milliseconds per call. */
export function measureFlush(dir: string, count = 500, bytes = 8192): FlushFacts {
  const file = join(dir, `flush-probe-${process.pid}`);
  const block = Buffer.alloc(bytes, 0x5a);
  const fd = openSync(file, 'w');
  const ms = new Float64Array(count);
  try {
    // The first write allocates the file's blocks (PostgreSQL's WAL segments are preallocated too).
    writeSync(fd, block, 0, bytes, 0);
    fdatasyncSync(fd);
    for (let i = 0; i < count; i++) {
      writeSync(fd, block, 0, bytes, 0);
      const t = performance.now();
      fdatasyncSync(fd);
      ms[i] = performance.now() - t;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  ms.sort();
  return { count, bytes, p50: percentile(ms, 50), p99: percentile(ms, 99), mean: ms.reduce((a, b) => a + b, 0) / count };
}

/** For the machine line: "disk: 8 KiB write + fdatasync p50 0.28 ms, p99 0.57 ms (500 calls)". */
export function flushText(f: FlushFacts): string {
  const size = f.bytes % 1024 === 0 ? `${f.bytes / 1024} KiB` : `${f.bytes} B`;
  return `disk: ${size} write + fdatasync p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms (${f.count} calls, before the rows)`;
}
