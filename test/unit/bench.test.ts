import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { kbField, leastSquaresSlope, memoryFigures, secondHalfSlopePerMin, MB, type MemorySample } from '../../bench/memory.js';
import { rssVerdicts } from '../../bench/memoryReport.js';
import { MIX, MIX_SEED, mixSequence, scenarioByName, isMixed } from '../../bench/scenarios.js';
import { BEGIN, END, machineLine, projections, writeGeneratedPart, type Report } from '../../bench/report.js';
import { measureFlush } from '../../bench/diskFlush.js';
import { readdirSync } from 'node:fs';
import { BARS } from '../../bench/scenarios.js';
import { SOAK_BEGIN, SOAK_END } from '../../bench/soak.js';

describe('bench: the mixed workload', () => {
  it('draws 60% state queries, 25% deposits, 15% slot searches, the same sequence on every run', () => {
    const a = mixSequence(MIX, MIX_SEED);
    const b = mixSequence(MIX, MIX_SEED);
    const n = 100_000;
    const counts = { state: 0, deposit: 0, slots: 0 };
    // Asked out of order: request i is the same operation whenever it is asked.
    const late = b(n - 1);
    for (let i = 0; i < n; i++) {
      const op = a(i);
      expect(b(i)).toBe(op);
      counts[op]++;
    }
    expect(a(n - 1)).toBe(late);
    expect(counts.state / n).toBeCloseTo(0.6, 2);
    expect(counts.deposit / n).toBeCloseTo(0.25, 2);
    expect(counts.slots / n).toBeCloseTo(0.15, 2);
    // Another seed is another sequence.
    const c = mixSequence(MIX, MIX_SEED + 1);
    expect(Array.from({ length: 200 }, (_, i) => c(i)).join()).not.toBe(Array.from({ length: 200 }, (_, i) => a(i)).join());
  });

  it('sends each request as the single scenario of its operation on the same target', () => {
    const mixed = scenarioByName('mixed@echo');
    if (!isMixed(mixed)) throw new Error('mixed@echo is not mixed');
    const seq = mixSequence(MIX, MIX_SEED);
    for (let i = 0; i < 500; i++) {
      const s = mixed.pick(i);
      expect(s.name).toBe(`${seq(i)}@echo`);
      expect(s.client ?? 'esav').toBe(s.operation === 'slots' ? 'ftth' : 'esav');
    }
  });
});

const sample = (t: number, rss: number[], pid0 = 10): MemorySample => ({
  t,
  processes: rss.map((r, k) => ({ pid: pid0 + k, rss: r * MB })),
  rss: rss.reduce((a, b) => a + b, 0) * MB,
});

describe('bench: memory figures', () => {
  it('reads kB fields of /proc files in bytes', () => {
    expect(kbField('Name:\tnode\nVmRSS:\t  123456 kB\nVmSwap:\t0 kB\n', 'VmRSS')).toBe(123456 * 1024);
    expect(kbField('Pss:  42 kB\n', 'VmRSS')).toBeUndefined();
  });

  it('fits a least-squares slope', () => {
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 0 }, { x: 3, y: 1 }])).toBeCloseTo(-0.2);
    expect(leastSquaresSlope([{ x: 1, y: 1 }, { x: 1, y: 2 }])).toBeUndefined();
    expect(leastSquaresSlope([{ x: 1, y: 1 }])).toBeUndefined();
  });

  it('takes the slope over the second half only: growth that stopped is not a leak', () => {
    // 10 minutes every 5 s: +10 MB/min for 5 minutes, then flat with a saw-tooth.
    const flat: MemorySample[] = [];
    const leak: MemorySample[] = [];
    for (let t = 0; t <= 600_000; t += 5000) {
      const m = t / 60_000;
      flat.push(sample(t, [100 + Math.min(m, 5) * 10 + (t % 20_000 === 0 ? 2 : 0)]));
      leak.push(sample(t, [100 + m * 3]));
    }
    expect(Math.abs(secondHalfSlopePerMin(flat, (s) => s.rss)! / MB)).toBeLessThan(0.2);
    expect(secondHalfSlopePerMin(leak, (s) => s.rss)! / MB).toBeCloseTo(3);
  });

  it('gives start, max and end per process and for their sum, the first process first', () => {
    const samples = [sample(0, [50, 80, 90]), sample(500, [55, 120, 85]), sample(1000, [52, 100, 95])];
    const f = memoryFigures(samples, 10, 500);
    expect(f.processes.map((p) => [p.role, p.start / MB, p.max / MB, p.end / MB])).toEqual([
      ['first', 50, 55, 52],
      ['forked', 80, 120, 100],
      ['forked', 90, 95, 95],
    ]);
    expect([f.total.start, f.total.max, f.total.end].map((v) => v / MB)).toEqual([220, 260, 247]);
    expect(f.durationMs).toBe(1000);
  });

  it('judges the 250 MB bar per process and for the processes together', () => {
    const f = memoryFigures([sample(0, [60, 110, 100]), sample(500, [60, 120, 100])], 10, 500);
    const [perProcess, total] = rssVerdicts([{ name: 'state@gateway', memory: f }]);
    expect(perProcess!.met).toBe(true);
    expect(perProcess!.detail).toContain('120 MB');
    expect(total!.met).toBe(false);
    expect(total!.detail).toContain('280 MB');
    const big = memoryFigures([sample(0, [60, 260])], 10, 500);
    expect(rssVerdicts([{ name: 'x', memory: big }])[0]!.met).toBe(false);
    expect(rssVerdicts([{ name: 'x', memory: f }], 'another connection count')[0]!.met).toBeUndefined();
  });
});

describe('bench: BENCHMARKS.md generated parts', () => {
  it('rewrites one part and keeps the other and the hand-written text', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'esav-bench-md-'));
    try {
      const path = join(dir, 'BENCHMARKS.md');
      writeFileSync(path, `# Title\n\nhand text\n\n${BEGIN}\nrun 1\n${END}\n\n${SOAK_BEGIN}\nsoak 1\n${SOAK_END}\n\ntrailer\n`);
      writeGeneratedPart(path, `${BEGIN}\nrun 2\n${END}`);
      let text = readFileSync(path, 'utf8');
      expect(text).toContain('run 2');
      expect(text).not.toContain('run 1');
      expect(text).toContain('soak 1');
      writeGeneratedPart(path, `${SOAK_BEGIN}\nsoak 2\n${SOAK_END}`, SOAK_BEGIN, SOAK_END);
      text = readFileSync(path, 'utf8');
      expect(text).toBe(`# Title\n\nhand text\n\n${BEGIN}\nrun 2\n${END}\n\n${SOAK_BEGIN}\nsoak 2\n${SOAK_END}\n\ntrailer\n`);
      // A file without the soak part gets it appended.
      writeFileSync(path, `# Title\n\n${BEGIN}\nrun 3\n${END}\n`);
      writeGeneratedPart(path, `${SOAK_BEGIN}\nsoak 3\n${SOAK_END}`, SOAK_BEGIN, SOAK_END);
      expect(readFileSync(path, 'utf8')).toBe(`# Title\n\n${BEGIN}\nrun 3\n${END}\n\n${SOAK_BEGIN}\nsoak 3\n${SOAK_END}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench: the projection under the bars', () => {
  const rowOf = (scenario: string, reqPerSec: number, cpu: { targetCores?: number; dbCores?: number; loadCores?: number }) => {
    const [operation, target] = scenario.split('@');
    return { scenario, operation, target, result: { reqPerSec, ok: reqPerSec * 10 }, cpu };
  };
  it('divides the machine\'s cores by the gateway\'s CPU per request, against the echo, one line per operation at its highest bar', () => {
    const report = {
      machine: { cpus: 2 },
      bars: BARS,
      rows: [
        rowOf('deposit@echo', 4000, { targetCores: 1 }),
        // 1.0 core for 4,000 deposits/s: 0.25 ms each; 2 cores: 8,000/s, 2.00x the echo.
        rowOf('deposit@gateway', 4000, { targetCores: 1, dbCores: 0.4, loadCores: 0.3 }),
        rowOf('state@echo', 5000, { targetCores: 1 }),
        rowOf('state@gateway', 10000, { targetCores: 1.5, dbCores: 0, loadCores: 0.45 }),
      ],
    } as unknown as Report;
    const lines = projections(report);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^deposit \(issue 8, bar 1\.5x\): the gateway used 1\.00 cores, PostgreSQL 0\.40, the load generator 0\.30; 0\.25 ms a request on 2 cores is 8000\/s, 2\.00x the echo's 4000\/s$/);
    // 1.5 cores for 10,000/s: 0.15 ms; 2 cores: 13,333/s, 2.67x.
    expect(lines[1]).toMatch(/^state query \(issue 8, bar 3\.0x\).*0\.15 ms a request on 2 cores is 13333\/s, 2\.67x the echo's 5000\/s$/);
  });
  it('says nothing for an operation whose echo row or CPU figure is missing', () => {
    const report = { machine: { cpus: 2 }, bars: BARS, rows: [rowOf('deposit@gateway', 4000, { targetCores: 1 }), rowOf('state@echo', 5000, {}), rowOf('state@gateway', 9000, {})] } as unknown as Report;
    expect(projections(report)).toEqual([]);
  });
});

describe('bench: the disk\'s flush latency on the machine line', () => {
  it('times each fdatasync of the probe, leaves no file behind, and fails on a folder that does not exist', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'esav-bench-flush-'));
    try {
      const f = measureFlush(dir, 20, 4096);
      expect(f.count).toBe(20);
      expect(f.bytes).toBe(4096);
      expect(f.p50).toBeGreaterThan(0);
      expect(f.p99).toBeGreaterThanOrEqual(f.p50);
      expect(f.mean).toBeGreaterThan(0);
      expect(readdirSync(dir)).toEqual([]);
      expect(() => measureFlush(join(dir, 'missing'), 1)).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('is said after the database when measured, and not at all for a DATABASE_URL run', () => {
    const machine = { cpus: 2, cpuModel: 'AMD EPYC', memGiB: 23.5, os: 'Linux 6 x64', node: 'v20.20.2', postgres: 'PostgreSQL 17.10', database: 'embedded' };
    const db = { fsync: 'on', synchronousCommit: 'on' };
    const flush = { count: 500, bytes: 8192, p50: 0.2751, p99: 0.5712, mean: 0.3 };
    expect(machineLine({ machine: { ...machine, flush }, db })).toBe(
      '2 x AMD EPYC, 23.5 GiB RAM, Linux 6 x64, Node v20.20.2, PostgreSQL 17.10 (embedded; fsync on, synchronous_commit on), disk: 8 KiB write + fdatasync p50 0.28 ms, p99 0.57 ms (500 calls, before the rows)',
    );
    expect(machineLine({ machine: { ...machine, database: 'DATABASE_URL' }, db })).not.toContain('disk:');
  });
});
