/** Issue 8's resident-size bar, judged on memory figures (bench/memory.ts), and their table. */
import { MB, type MemoryFigures } from './memory.js';
import { MEMORY_BAR } from './scenarios.js';

export interface MemoryVerdict {
  statement: string;
  /** undefined: not evaluated by this run */
  met?: boolean;
  detail: string;
}

export const mb = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? 'n/a' : (bytes / MB).toFixed(0));
export const mbPerMin = (bytesPerMin: number | undefined) => (bytesPerMin === undefined || Number.isNaN(bytesPerMin) ? 'n/a' : `${bytesPerMin >= 0 ? '+' : ''}${(bytesPerMin / MB).toFixed(2)}`);

export const PER_PROCESS_STATEMENT = `issue ${MEMORY_BAR.issue}, resident size of each gateway process < ${MEMORY_BAR.maxRssMB} MB at ${MEMORY_BAR.connections} connections (largest RSS of one process)`;
export const TOTAL_STATEMENT = `issue ${MEMORY_BAR.issue}, resident size of the gateway's processes together < ${MEMORY_BAR.maxRssMB} MB at ${MEMORY_BAR.connections} connections (largest sum of their RSS at one instant)`;

export interface NamedFigures {
  /** The row (or "soak") the figures were sampled during. */
  name: string;
  memory?: MemoryFigures;
}

/**
 * Both readings of the bar over every sampled row: per process (the largest RSS any one gateway
 * process reached) and together (the largest sum of their RSS at one sample). `notEvaluated` says
 * why this run cannot judge (another connection count), when it cannot.
 */
export function rssVerdicts(rows: NamedFigures[], notEvaluated?: string): MemoryVerdict[] {
  const sampled = rows.filter((r): r is Required<NamedFigures> => r.memory !== undefined && r.memory.samples > 0);
  if (notEvaluated || sampled.length === 0) {
    const why = notEvaluated ?? 'no gateway row was sampled';
    return [
      { statement: PER_PROCESS_STATEMENT, detail: why },
      { statement: TOTAL_STATEMENT, detail: why },
    ];
  }
  const limit = MEMORY_BAR.maxRssMB * MB;
  const procs = sampled.flatMap((r) => r.memory.processes.map((p) => ({ row: r.name, ...p })));
  const worst = procs.reduce((a, b) => (b.max > a.max ? b : a));
  const worstTotal = sampled.reduce((a, b) => (b.memory.total.max > a.memory.total.max ? b : a));
  const pss = sampled.map((r) => r.memory.maxPss).filter((v): v is number => v !== undefined);
  return [
    {
      statement: PER_PROCESS_STATEMENT,
      met: worst.max < limit,
      detail: `largest: ${mb(worst.max)} MB (${worst.role} process, pid ${worst.pid}, during ${worst.row})`,
    },
    {
      statement: TOTAL_STATEMENT,
      met: worstTotal.memory.total.max < limit,
      detail:
        `largest: ${mb(worstTotal.memory.total.max)} MB (${worstTotal.memory.processes.length} processes, during ${worstTotal.name})` +
        (pss.length ? `; their PSS, which counts shared pages once, peaked at ${mb(Math.max(...pss))} MB` : ''),
    },
  ];
}

export function verdictWord(v: { met?: boolean }): string {
  return v.met === undefined ? 'not evaluated' : v.met ? 'MET' : 'NOT MET';
}

/** Rows of the memory table: row | first process | forked ones | total RSS | total PSS (MB, the largest over the window). */
export function memoryCells(f: MemoryFigures): string[] {
  const first = f.processes.filter((p) => p.role === 'first').map((p) => mb(p.max));
  const forked = f.processes.filter((p) => p.role === 'forked').map((p) => mb(p.max));
  return [first.join(', ') || 'n/a', forked.join(', ') || '-', mb(f.total.max), mb(f.maxPss)];
}
