/** The bench's table on stdout and the generated section of BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadClient, LoadResult } from './load.js';
import type { HandshakeResult } from './handshake.js';
import type { MemoryFigures } from './memory.js';
import { memoryCells, rssVerdicts, verdictWord, type MemoryVerdict } from './memoryReport.js';
import type { CpuUse } from './procstat.js';
import { flushText, type FlushFacts } from './diskFlush.js';
import { MEMORY_BAR, MIX_SEED, type Bar, type HandshakeTarget, type Operation, type TargetName } from './scenarios.js';

export interface Row {
  scenario: string;
  operation: Operation;
  target: TargetName;
  result: LoadResult;
  cpu: CpuUse;
  /** Gateway stdout lines during the measured window (gateway rows only). */
  gatewayLogLines?: number;
  /** Resident size of the gateway's processes over the measured window (gateway rows only). */
  memory?: MemoryFigures;
}

/** One handshake row: new mTLS connections per second against one target. */
export interface HandshakeRow {
  target: HandshakeTarget;
  result: HandshakeResult;
  cpu: CpuUse;
  memory?: MemoryFigures;
}

/** A handshake row the run could not measure (no openssl on the machine). */
export interface SkippedHandshake {
  target: HandshakeTarget;
  reason: string;
}

/** A row the run did not measure (today: a slot search in the gateway's 01:00-04:00 blackout). */
export interface SkippedRow {
  scenario: string;
  operation: Operation;
  target: TargetName;
  reason: string;
}

/** What the setup made for the slot search, and its probe search. */
export interface SlotFacts {
  zone: string;
  /** Paris wall times of the window's ends ("YYYY-MM-DD 00:00"). */
  from: string;
  to: string;
  days: number;
  workingDays: number;
  /** Technicians the bench loaded, and every active one of the zone doing S (a reused database may hold more). */
  technicians: number;
  zoneTechnicians: number;
  hours: string;
  appointments: number;
  /** Booked share of the bench technicians' working time in the window. */
  bookedFraction: number;
  /** The setup's one search on the gateway: slots offered, answer bytes, time (cold). */
  probe?: { slots: number; bytes: number; ms: number };
  /** Why the slot rows were not measured at all. */
  blackout?: string;
}

export interface Report {
  date: Date;
  settings: { seconds: number; warmupSeconds: number; connections: number; logLevel: string; client?: LoadClient };
  machine: { cpus: number; cpuModel: string; memGiB: number; os: string; node: string; postgres?: string; database: string; flush?: FlushFacts };
  db: { fsync?: string; synchronousCommit?: string; tickets?: number; slotSearches?: number };
  /** Workers the gateway runs (ESAV_WORKERS, or its default: one per core). */
  gatewayWorkers?: number;
  /** Tickets the setup deposited for the state query (their references, queried round-robin). */
  stateReferences: number;
  /** Scenario names in run order (measured and skipped). */
  order: string[];
  rows: Row[];
  skipped: SkippedRow[];
  /** The slot search's data (when a slots@* row was asked for). */
  slots?: SlotFacts;
  gatewayProblems: string[];
  bars: Bar[];
  handshakes: HandshakeRow[];
  handshakesSkipped: SkippedHandshake[];
  /** `openssl version` of the handshake reference. */
  openssl?: string;
  /** How often the gateway's resident size was sampled during its rows (ms). */
  memoryEveryMs: number;
  /** The command that made this run, with the settings it was given (`npm run bench` when none). */
  command: string;
}

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

const TARGET_LABEL: Record<TargetName, string> = {
  bare: 'bare node:https',
  echo: 'express+soap echo',
  gateway: 'gateway',
};

const OPERATION_LABEL: Record<Operation, string> = {
  deposit: 'deposit',
  state: 'state query',
  slots: 'slot search',
  mixed: 'mixed workload',
};

const HANDSHAKE_LABEL: Record<HandshakeTarget, string> = {
  gateway: 'gateway',
  bare: 'bare node:https',
  openssl: 'openssl s_server',
};

function label(r: Row | SkippedRow): string {
  return `${TARGET_LABEL[r.target]} (${r.operation})`;
}

export const f0 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(0));
export const f2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(2));
/** The slowest and the fastest whole second of a window: "min..max". */
const secondsRange = (perSecond: number[]) => `${Math.min(...perSecond)}..${Math.max(...perSecond)}`;
export const cores = (n: number | undefined) => (n === undefined ? 'n/a' : n.toFixed(2));
export const fx = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : `${n.toFixed(2)}x`);
/** Other processes busier than this during a window make its numbers suspect. */
const OTHER_LOAD_WARNING = 0.2;

function disturbed(report: Report): string[] {
  return [...report.rows, ...report.handshakes.map((h) => ({ scenario: `handshake@${h.target}`, cpu: h.cpu }))]
    .filter((r) => (r.cpu.otherCores ?? 0) > OTHER_LOAD_WARNING)
    .map((r) => `other processes on the machine used ${cores(r.cpu.otherCores)} cores during ${r.scenario}: its numbers are disturbed, run again on a quiet machine`);
}

function row(report: Report, name: string): Row | undefined {
  return report.rows.find((r) => r.scenario === name);
}

function skippedRow(report: Report, name: string): SkippedRow | undefined {
  return report.skipped.find((r) => r.scenario === name);
}

/** Measured and skipped rows, in run order. */
function entries(report: Report): Array<{ row?: Row; skipped?: SkippedRow }> {
  return report.order
    .map((name) => ({ row: row(report, name), skipped: skippedRow(report, name) }))
    .filter((e) => e.row || e.skipped);
}

export interface BarVerdict {
  bar: Bar;
  /** undefined when this run cannot tell (a row missing, another connection count). */
  met?: boolean;
  ratio?: number;
  p99?: number;
  reasons: string[];
}

/** One of the issue's bars, judged on this run's rows. */
export function barVerdict(report: Report, bar: Bar): BarVerdict {
  const gw = row(report, bar.gateway);
  const echo = row(report, bar.echo);
  if (!gw || !echo || report.settings.connections !== bar.connections) {
    const skipped = [bar.gateway, bar.echo].map((n) => skippedRow(report, n)).filter((x): x is SkippedRow => x !== undefined);
    return { bar, reasons: skipped.length ? [`${skipped.map((x) => x.scenario).join(' and ')} ${skipped[0]!.reason}`] : [] };
  }
  const ratio = gw.result.reqPerSec / echo.result.reqPerSec;
  const p99 = gw.result.p99;
  const reasons: string[] = [];
  if (bar.minRatio !== undefined && !(ratio >= bar.minRatio)) reasons.push(`throughput ${ratio.toFixed(2)}x of the echo < ${bar.minRatio.toFixed(1)}x`);
  if (bar.maxP50Ms !== undefined && !(gw.result.p50 < bar.maxP50Ms)) reasons.push(`median ${gw.result.p50.toFixed(2)} ms >= ${bar.maxP50Ms} ms`);
  if (bar.maxP99Ms !== undefined && !(p99 < bar.maxP99Ms)) reasons.push(`p99 ${p99.toFixed(1)} ms >= ${bar.maxP99Ms} ms`);
  if (gw.result.errors > 0) reasons.push(`${gw.result.errors} errors`);
  return { bar, met: reasons.length === 0, ratio, p99, reasons };
}

export function barVerdicts(report: Report): BarVerdict[] {
  return report.bars.map((b) => barVerdict(report, b));
}

/**
 * For each bar with a ratio: the cores the gateway row used, and its rate if its workers had
 * every core (cores / gateway CPU per request) against the echo's measured rate.
 */
export function projections(report: Report): string[] {
  const out: string[] = [];
  // One line per operation, against its highest bar.
  const highest = new Map<Operation, { b: Bar; minRatio: number }>();
  for (const b of report.bars) {
    const { minRatio } = b;
    if (minRatio !== undefined && minRatio > (highest.get(b.operation)?.minRatio ?? -Infinity)) highest.set(b.operation, { b, minRatio });
  }
  for (const { b, minRatio } of highest.values()) {
    const gw = row(report, b.gateway);
    const echo = row(report, b.echo);
    const cost = gw && perRequest(gw.cpu.targetCores, gw.result.reqPerSec);
    if (!gw || !echo || cost === undefined || !(cost > 0) || !(echo.result.reqPerSec > 0)) continue;
    const rate = (report.machine.cpus * 1000) / cost;
    out.push(
      `${OPERATION_LABEL[b.operation]} (issue ${b.issue}, bar ${minRatio.toFixed(1)}x): the gateway used ${cores(gw.cpu.targetCores)} cores, PostgreSQL ${cores(gw.cpu.dbCores)}, the load generator ${cores(gw.cpu.loadCores)}; ${f2(cost)} ms a request on ${report.machine.cpus} cores is ${f0(rate)}/s, ${(rate / echo.result.reqPerSec).toFixed(2)}x the echo's ${f0(echo.result.reqPerSec)}/s`,
    );
  }
  return out;
}

function ratios(report: Report, bar: Bar): { gwEcho?: number; gwBare?: number; echoBare?: number } {
  const gw = row(report, bar.gateway)?.result.reqPerSec;
  const echo = row(report, bar.echo)?.result.reqPerSec;
  const bare = row(report, bar.bare)?.result.reqPerSec;
  return {
    gwEcho: gw !== undefined && echo ? gw / echo : undefined,
    gwBare: gw !== undefined && bare ? gw / bare : undefined,
    echoBare: echo !== undefined && bare ? echo / bare : undefined,
  };
}

/** One bar per operation this run measured on at least one target (for the ratio lines). */
function measuredBars(report: Report): Bar[] {
  const seen = new Set<Operation>();
  return report.bars.filter((b) => report.rows.some((r) => r.operation === b.operation) && !seen.has(b.operation) && seen.add(b.operation));
}

function barStatement(b: Bar): string {
  const limits = [
    b.minRatio !== undefined && `gateway >= ${b.minRatio.toFixed(1)}x the Express+soap echo throughput`,
    b.maxP50Ms !== undefined && `median < ${b.maxP50Ms} ms`,
    b.maxP99Ms !== undefined && `p99 < ${b.maxP99Ms} ms`,
  ].filter(Boolean);
  return `issue ${b.issue}, ${OPERATION_LABEL[b.operation]}: ${limits.join(', ')} at ${b.connections} connections${b.minRatio === undefined ? ' (the ratio to the echo is reported, not judged)' : ''}`;
}

/** What the gateway reached, next to a verdict. */
function reached(v: BarVerdict): string {
  return `gateway/echo ${fx(v.ratio)}, p99 ${f2(v.p99)} ms`;
}

function notEvaluated(v: BarVerdict): string {
  return v.reasons.length
    ? `${v.reasons.join('; ')}: the gateway refuses slot searches from 01:00 to 04:00 Paris time`
    : `needs the gateway and echo ${v.bar.operation} rows at ${v.bar.connections} connections`;
}

function verdictText(v: BarVerdict): string {
  if (v.met === undefined) return `not evaluated (${notEvaluated(v)})`;
  return v.met ? `MET (${reached(v)})` : `NOT MET (${v.reasons.join('; ')})`;
}

/** Issue 8's resident-size bar over every gateway row of this run (request rows and handshake@gateway). */
export function memoryVerdicts(report: Report): MemoryVerdict[] {
  const rows = [
    ...report.rows.filter((r) => r.target === 'gateway').map((r) => ({ name: r.scenario, memory: r.memory })),
    ...report.handshakes.filter((h) => h.target === 'gateway').map((h) => ({ name: 'handshake@gateway', memory: h.memory })),
  ];
  const other = report.settings.connections !== MEMORY_BAR.connections ? `the bar is at ${MEMORY_BAR.connections} connections, this run used ${report.settings.connections}` : undefined;
  return rssVerdicts(rows, other);
}

/** The mix a mixed row actually sent (answers completed in the measured window), with each kind's latency. */
export function mixText(result: LoadResult): string | undefined {
  const by = result.byOperation;
  if (!by) return undefined;
  const n = by.reduce((a, o) => a + o.ok + o.errors, 0);
  if (n === 0) return undefined;
  return by
    .map((o) => `${OPERATION_LABEL[o.operation]} ${(((o.ok + o.errors) / n) * 100).toFixed(1)}% (${o.ok + o.errors}; p50 ${f2(o.p50)} ms, p99 ${f2(o.p99)} ms${o.errors ? `, ${o.errors} errors` : ''})`)
    .join(', ');
}

function handshakeRatios(report: Report): { gwOpenssl?: number; gwBare?: number; bareOpenssl?: number } {
  const rate = (t: HandshakeTarget) => report.handshakes.find((h) => h.target === t)?.result.reqPerSec;
  const gw = rate('gateway');
  const bare = rate('bare');
  const ossl = rate('openssl');
  return {
    gwOpenssl: gw !== undefined && ossl ? gw / ossl : undefined,
    gwBare: gw !== undefined && bare ? gw / bare : undefined,
    bareOpenssl: bare !== undefined && ossl ? bare / ossl : undefined,
  };
}

function handshakeLabel(report: Report, t: HandshakeTarget): string {
  return t === 'openssl' && report.openssl ? `openssl s_server (${report.openssl})` : HANDSHAKE_LABEL[t];
}

function slotDataText(f: SlotFacts): string {
  return (
    `${f.technicians} technicians in zone ${f.zone} (types S,E, weekdays 1-5, ${f.hours} Paris), ${f.appointments} 2-hour appointments booked ` +
    `(${(f.bookedFraction * 100).toFixed(1)}% of their working time), window ${f.from} .. ${f.to} Paris (${f.days} days, ${f.workingDays} working days)`
  );
}

function probeText(f: SlotFacts): string {
  return f.probe ? `${f.probe.slots} slots offered, ${f.probe.bytes}-byte answer` : (f.blackout ?? 'no probe');
}

export function machineLine(report: Pick<Report, 'machine' | 'db'>): string {
  const m = report.machine;
  const durability = [report.db.fsync && `fsync ${report.db.fsync}`, report.db.synchronousCommit && `synchronous_commit ${report.db.synchronousCommit}`].filter(Boolean).join(', ');
  return (
    `${m.cpus} x ${m.cpuModel}, ${m.memGiB.toFixed(1)} GiB RAM, ${m.os}, Node ${m.node}` +
    (m.postgres ? `, ${m.postgres} (${m.database}${durability ? `; ${durability}` : ''})` : '') +
    (m.flush ? `, ${flushText(m.flush)}` : '')
  );
}

export function workersText(report: Pick<Report, 'gatewayWorkers'>): string {
  const w = report.gatewayWorkers;
  return w === undefined ? '?' : w <= 1 ? 'one process' : `${w} processes (the first binds the port and hands each new connection in turn to itself and the ${w - 1 === 1 ? 'one' : w - 1} it forked, node:cluster)`;
}

/** ms of CPU per answered request, from cores and req/s. */
function perRequest(coresUsed: number | undefined, reqPerSec: number): number | undefined {
  return coresUsed === undefined || !(reqPerSec > 0) ? undefined : (coresUsed * 1000) / reqPerSec;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

const PER_OPERATION: Record<Operation, string> = { deposit: 'per deposit', state: 'per state query', slots: 'per slot search', mixed: 'per request of the mix' };

/** The load generator's HTTP client, as the report names it. */
function clientText(client: LoadClient | undefined): string {
  return client === 'undici'
    ? 'undici `Pool`, pipelining 1 (BENCH_CLIENT=undici)'
    : 'bench/rawClient.ts: one connection per worker, each request in one write';
}

export function renderConsole(report: Report): string {
  const out: string[] = [];
  const s = report.settings;
  out.push(`e-SAV gateway bench, ${report.date.toISOString()}`);
  out.push(`machine: ${machineLine(report)}`);
  out.push(`load: ${s.connections} keep-alive mTLS connections (${clientText(s.client)}), ${s.warmupSeconds} s warm-up + ${s.seconds} s measured per row; gateway: ${workersText(report)}, log level ${s.logLevel}`);
  out.push('');
  out.push(`${pad('target', 34)}${pad('req/s', 10, true)}${pad('p50 ms', 10, true)}${pad('p99 ms', 10, true)}${pad('errors', 9, true)}`);
  for (const { row: r, skipped: k } of entries(report)) {
    if (r) out.push(`${pad(label(r), 34)}${pad(f0(r.result.reqPerSec), 10, true)}${pad(f2(r.result.p50), 10, true)}${pad(f2(r.result.p99), 10, true)}${pad(String(r.result.errors), 9, true)}`);
    else if (k) out.push(`${pad(label(k), 34)}   ${k.reason.toUpperCase()}`);
  }
  out.push('');
  for (const b of measuredBars(report)) {
    const q = ratios(report, b);
    out.push(`${pad(`${OPERATION_LABEL[b.operation]}:`, 16)}gateway/echo ${fx(q.gwEcho)}   gateway/bare ${fx(q.gwBare)}   (echo/bare ${fx(q.echoBare)})`);
  }
  for (const r of report.rows) {
    const mix = mixText(r.result);
    if (mix) out.push(`${r.scenario} sent: ${mix}`);
  }
  for (const v of barVerdicts(report)) out.push(`bar ${barStatement(v.bar)}: ${verdictText(v)}`);
  for (const v of memoryVerdicts(report)) out.push(`bar ${v.statement}: ${verdictWord(v)} (${v.detail})`);
  out.push('');
  out.push(`${pad('details', 34)}${pad('p90', 9, true)}${pad('p99.9', 9, true)}${pad('max', 9, true)}${pad('1-s min..max req/s', 21, true)}${pad('resp. B', 9, true)}${pad('cpu target', 12, true)}${pad('cpu pg', 9, true)}${pad('cpu load', 10, true)}${pad('cpu other', 11, true)}`);
  for (const r of report.rows) {
    out.push(
      `${pad(label(r), 34)}${pad(f2(r.result.p90), 9, true)}${pad(f2(r.result.p999), 9, true)}${pad(f2(r.result.max), 9, true)}` +
        `${pad(secondsRange(r.result.perSecond), 21, true)}${pad(f0(r.result.responseBytes), 9, true)}${pad(cores(r.cpu.targetCores), 12, true)}${pad(r.target === 'gateway' ? cores(r.cpu.dbCores) : '-', 9, true)}${pad(cores(r.cpu.loadCores), 10, true)}${pad(cores(r.cpu.otherCores), 11, true)}`,
    );
  }
  out.push('(cpu = cores busy on average during the measured window: target (all its node processes: every gateway process), its PostgreSQL, load generator, anything else on the machine)');
  for (const w of disturbed(report)) out.push(`WARNING: ${w}`);
  for (const gw of report.rows.filter((r) => r.target === 'gateway')) {
    const n = gw.result.ok + gw.result.errors;
    const lines = gw.gatewayLogLines !== undefined && n > 0 ? gw.gatewayLogLines / n : undefined;
    out.push(
      `gateway ${PER_OPERATION[gw.operation]}: ${f2(perRequest(gw.cpu.targetCores, gw.result.reqPerSec))} ms gateway CPU, ${f2(perRequest(gw.cpu.dbCores, gw.result.reqPerSec))} ms PostgreSQL CPU, ${f2(lines)} log lines` +
        (gw.cpu.targetProcesses !== undefined ? ` (${gw.cpu.targetProcesses} gateway processes)` : ''),
    );
  }
  if (report.rows.some((r) => r.target === 'gateway')) out.push(`gateway: tickets in the database for the bench prestation at the end: ${report.db.tickets ?? 'n/a'}`);
  if (report.slots) {
    out.push(`slot search data: ${slotDataText(report.slots)}; probe: ${probeText(report.slots)}; searches recorded by the gateway during the run: ${report.db.slotSearches ?? 'n/a'}`);
  }
  for (const k of report.skipped) out.push(`${k.scenario}: ${k.reason.toUpperCase()} (the gateway refuses slot searches from 01:00 to 04:00 Paris time; run again after 04:00)`);
  for (const r of report.rows) {
    if (r.result.warmupErrors) out.push(`${r.scenario}: ${r.result.warmupErrors} errors during warm-up`);
    if (r.result.stoppedEarly) out.push(`${r.scenario}: stopped early: ${r.result.stoppedEarly}`);
    for (const e of r.result.errorSamples) out.push(`${r.scenario}: error sample: ${e}`);
  }
  for (const p of report.gatewayProblems) out.push(`gateway log: ${p}`);
  const mem = [...report.rows.filter((r) => r.memory).map((r) => ({ name: r.scenario, m: r.memory! })), ...report.handshakes.filter((h) => h.memory).map((h) => ({ name: `handshake@${h.target}`, m: h.memory! }))];
  if (mem.length) {
    out.push('');
    out.push(`${pad('gateway RSS, MB (max)', 34)}${pad('first', 10, true)}${pad('forked', 14, true)}${pad('total RSS', 11, true)}${pad('total PSS', 11, true)}`);
    for (const { name, m } of mem) {
      const [p, w, t, ps] = memoryCells(m);
      out.push(`${pad(name, 34)}${pad(p!, 10, true)}${pad(w!, 14, true)}${pad(t!, 11, true)}${pad(ps!, 11, true)}`);
    }
  }
  if (report.handshakes.length || report.handshakesSkipped.length) {
    out.push('');
    out.push(`${pad('handshakes (new mTLS connections)', 34)}${pad('conn/s', 10, true)}${pad('p50 ms', 10, true)}${pad('p99 ms', 10, true)}${pad('errors', 9, true)}${pad('cpu target', 12, true)}${pad('cpu load', 10, true)}${pad('cpu other', 11, true)}  negotiated`);
    for (const h of report.handshakes) {
      out.push(
        `${pad(handshakeLabel(report, h.target), 34)}${pad(f0(h.result.reqPerSec), 10, true)}${pad(f2(h.result.p50), 10, true)}${pad(f2(h.result.p99), 10, true)}${pad(String(h.result.errors), 9, true)}` +
          `${pad(cores(h.cpu.targetCores), 12, true)}${pad(cores(h.cpu.loadCores), 10, true)}${pad(cores(h.cpu.otherCores), 11, true)}  ${h.result.protocol ?? '?'} ${h.result.cipher ?? ''}`,
      );
    }
    for (const k of report.handshakesSkipped) out.push(`${pad(handshakeLabel(report, k.target), 34)}   ${k.reason.toUpperCase()}`);
    const q = handshakeRatios(report);
    out.push(`handshakes: gateway/openssl ${fx(q.gwOpenssl)}   gateway/bare ${fx(q.gwBare)}   (bare/openssl ${fx(q.bareOpenssl)})`);
    for (const h of report.handshakes) {
      for (const f of h.result.probeFailures) out.push(`handshake@${h.target}: PROBE FAILED: ${f}`);
      if (h.result.warmupErrors) out.push(`handshake@${h.target}: ${h.result.warmupErrors} errors during warm-up`);
      if (h.result.stoppedEarly) out.push(`handshake@${h.target}: stopped early: ${h.result.stoppedEarly}`);
      for (const e of h.result.errorSamples) out.push(`handshake@${h.target}: error sample: ${e}`);
    }
  }
  return out.join('\n');
}

function renderMemoryMd(report: Report, out: string[]): void {
  const mem = [
    ...report.rows.filter((r) => r.memory).map((r) => ({ name: label(r), m: r.memory! })),
    ...report.handshakes.filter((h) => h.memory).map((h) => ({ name: 'gateway (handshakes)', m: h.memory! })),
  ];
  if (!mem.length) return;
  out.push('');
  out.push(`### Memory (issue ${MEMORY_BAR.issue})`);
  out.push('');
  out.push(`Resident size of the gateway's node processes during each gateway row (largest value over the measured window, sampled every ${report.memoryEveryMs} ms; MB = 10^6 bytes):`);
  out.push('');
  out.push('| gateway row | first process RSS MB | each forked process RSS MB | total RSS MB | total PSS MB |');
  out.push('|---|---:|---:|---:|---:|');
  for (const { name, m } of mem) out.push(`| ${name} | ${memoryCells(m).join(' | ')} |`);
}

function renderHandshakesMd(report: Report, out: string[]): void {
  if (!report.handshakes.length && !report.handshakesSkipped.length) return;
  const s = report.settings;
  out.push('');
  out.push('### Handshakes (issue 8)');
  out.push('');
  out.push(`New mTLS connections per second (full handshake with the client certificate, no resumption, one GET, close), ${s.connections} connectors, ${s.seconds} s after ${s.warmupSeconds} s of warm-up:`);
  out.push('');
  out.push('| target | connections/s | p50 ms | p99 ms | errors | 1-s min..max | CPU target | CPU load gen. | CPU other | negotiated |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const h of report.handshakes) {
    out.push(
      `| ${handshakeLabel(report, h.target)} | ${f0(h.result.reqPerSec)} | ${f2(h.result.p50)} | ${f2(h.result.p99)} | ${h.result.errors} | ${secondsRange(h.result.perSecond)} | ${cores(h.cpu.targetCores)} | ${cores(h.cpu.loadCores)} | ${cores(h.cpu.otherCores)} | ${h.result.protocol ?? '?'} ${h.result.cipher ?? ''} |`,
    );
  }
  for (const k of report.handshakesSkipped) out.push(`| ${handshakeLabel(report, k.target)} | **${k.reason}** | - | - | - | - | - | - | - | - |`);
  out.push('');
  const q = handshakeRatios(report);
  out.push(`- Ratios (connections/s): gateway/openssl **${fx(q.gwOpenssl)}**, gateway/bare **${fx(q.gwBare)}** (bare/openssl ${fx(q.bareOpenssl)}).`);
  for (const h of report.handshakes) for (const f of h.result.probeFailures) out.push(`- **Probe failed** on ${handshakeLabel(report, h.target)}: ${f}.`);
}

export function renderMarkdown(report: Report): string {
  const s = report.settings;
  const out: string[] = [];
  out.push(BEGIN);
  out.push('<!-- Generated by `npm run bench` (bench/run.ts). Everything between the bench markers is rewritten on each run. -->');
  out.push('');
  out.push('## Latest run');
  out.push('');
  out.push(`- Command: \`${report.command}\` (${s.seconds} s measured per row after ${s.warmupSeconds} s of warm-up, ${s.connections} connections)`);
  out.push(`- Date: ${report.date.toISOString()}`);
  out.push(`- Machine: ${machineLine(report)}`);
  out.push(`- Gateway: ${workersText(report)}; log level \`${s.logLevel}\` (stdout piped to the bench and drained, as a log shipper would)`);
  out.push('');
  out.push('| target | req/s | p50 ms | p99 ms | errors |');
  out.push('|---|---:|---:|---:|---:|');
  for (const { row: r, skipped: k } of entries(report)) {
    if (r) out.push(`| ${label(r)} | ${f0(r.result.reqPerSec)} | ${f2(r.result.p50)} | ${f2(r.result.p99)} | ${r.result.errors} |`);
    else if (k) out.push(`| ${label(k)} | **${k.reason}** | - | - | - |`);
  }
  out.push('');
  for (const b of measuredBars(report)) {
    const q = ratios(report, b);
    out.push(`- Ratios, ${OPERATION_LABEL[b.operation]} (throughput): gateway/echo **${fx(q.gwEcho)}**, gateway/bare **${fx(q.gwBare)}** (echo/bare ${fx(q.echoBare)}).`);
  }
  out.push('');
  out.push('**Bars** (from the issues):');
  out.push('');
  for (const v of barVerdicts(report)) {
    const verdict = v.met === undefined ? `**not evaluated** by this run${v.reasons.length ? ` (${notEvaluated(v)})` : ''}` : v.met ? `**MET** (${reached(v)})` : `**NOT MET**: ${v.reasons.join('; ')}`;
    out.push(`- ${barStatement(v.bar)}: ${verdict}.`);
  }
  for (const v of memoryVerdicts(report)) out.push(`- ${v.statement}: **${verdictWord(v)}** (${v.detail}).`);
  const mixes = report.rows.map((r) => ({ r, mix: mixText(r.result) })).filter((x) => x.mix);
  if (mixes.length) {
    out.push('');
    out.push('Mix actually sent (answers of the measured window; the p50/p99 of each kind inside the mix):');
    out.push('');
    for (const { r, mix } of mixes) out.push(`- ${label(r)}: ${mix}.`);
  }
  out.push('');
  out.push('| details | p90 ms | p99.9 ms | max ms | 1-s min..max req/s | response bytes | CPU target | CPU PostgreSQL | CPU load gen. | CPU other |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.rows) {
    out.push(
      `| ${label(r)} | ${f2(r.result.p90)} | ${f2(r.result.p999)} | ${f2(r.result.max)} | ${secondsRange(r.result.perSecond)} | ${f0(r.result.responseBytes)} | ${cores(r.cpu.targetCores)} | ${r.target === 'gateway' ? cores(r.cpu.dbCores) : '-'} | ${cores(r.cpu.loadCores)} | ${cores(r.cpu.otherCores)} |`,
    );
  }
  out.push('');
  out.push(
    'CPU columns: cores busy on average during the measured window (1.00 = one core all the time), from /proc. "Target" is every node process of the target (for the gateway: all its processes); "PostgreSQL" the embedded PostgreSQL\'s processes; "other" the rest of the machine (not the target, its PostgreSQL, the load generator or the bench): above 0.2 the row is disturbed.',
  );
  for (const w of disturbed(report)) out.push(`\n**Warning**: ${w}.`);
  const perOp = report.rows
    .filter((r) => r.target === 'gateway' && r.result.ok > 0 && r.cpu.targetCores !== undefined)
    .map((r) => `${PER_OPERATION[r.operation]}, ${f2(perRequest(r.cpu.targetCores, r.result.reqPerSec))} ms of gateway CPU and ${f2(perRequest(r.cpu.dbCores, r.result.reqPerSec))} ms of PostgreSQL CPU`);
  if (perOp.length) out.push(`\nGateway CPU cost: ${perOp.join('; ')}.`);
  const projected = projections(report);
  if (projected.length) {
    out.push(
      `\nWhere the cores went, and a projection (arithmetic on this run's figures, not a measurement): the load generator and the gateway's PostgreSQL run on the same ${report.machine.cpus} cores as the gateway's processes, where the echo, one process, never uses more than one. With every core for the gateway (the callers and PostgreSQL on other machines, as in production; docs/scaling.md), the gateway's CPU cost per request would give: ${projected.join('; ')}.`,
    );
  }
  if (report.slots) {
    out.push(`\nSlot search data: ${slotDataText(report.slots)}. Probe search (setup, cold): ${probeText(report.slots)}. Searches the gateway recorded for the bench operator during the run: ${report.db.slotSearches ?? 'n/a'}.`);
  }
  renderMemoryMd(report, out);
  renderHandshakesMd(report, out);
  out.push('');
  out.push('### How it was measured');
  out.push('');
  out.push('- One run, loopback only. Each target runs in its own process(es), and so does the load generator (a fresh one per row), so no two share an event loop. The rows are measured one after the other, in table order (every deposit, then every state query, every slot search, every mixed row; bare, echo, gateway; then the handshake rows: gateway, bare, openssl), while the other targets sit idle.');
  out.push(`- Load: ${clientText(s.client)}, ${s.connections} keep-alive mTLS connections, a closed loop (each connection sends its next request when the answer is read). ${s.warmupSeconds} s warm-up not counted, then ${s.seconds} s measured; a request counts in the window it completes in. req/s and latencies count successful answers only.`);
  out.push('- Deposit: the same v1 `deposerSignalisation` envelope every time (`depositXml(V1, \'ETH-BENCH-1\')`, with its ETH_ENTREPRISE catalogue form and no external reference, so every gateway deposit inserts a new ticket and its first event), `SOAPAction: "urn:fr:esav:signalisation:v1#deposerSignalisation"`. An error is a non-200 status, a SOAP fault, or an answer without a well-formed `referenceSignalisation`.');
  out.push(`- State query: v1 \`consulterEtatSignalisation\`, \`SOAPAction: "urn:fr:esav:signalisation:v1#consulterEtatSignalisation"\`, request i asking for reference i mod ${report.stateReferences} of the ${report.stateReferences} tickets the setup deposited on the gateway (same client certificate) before the first row; every target gets the same requests. An error is a non-200 status, a SOAP fault, or an answer without an \`etat\` of the v1 enumeration and the queried \`referenceSignalisation\`. The state rows run after the deposit rows, so the gateway's tickets table then holds every ticket deposited during the run.`);
  out.push(
    `- Slot search: rdv-ftth \`rechercheCreneauxLibres\` on \`/ws/rdv-ftth/v1\` with the bench operator's ftth-scope certificate (\`esav cert issue --scope ftth\`), \`SOAPAction: ""\`, the Interop'Fibre envelope (root qualified, children unqualified, an \`EnteteType\` header with sirenOC = the caller's SIREN and sirenOI = 411111112): type S, FTTH_ACCES, GP, zone ${report.slots?.zone ?? '75056'}, the same request every time, over the window from the next Monday 00:00 Paris to 14 days later (always in the future, so the answer does not depend on when the bench runs). Data: technicians loaded with \`esav planning load\`, then about 30% of each one's working time in the window booked as CONFIRME 2-hour appointments inserted straight in PostgreSQL on aligned windows picked by a seeded shuffle (never overlapping). Each gateway search computes the free windows and records its 10-minute hold (an insert). An error is a non-200 status, a SOAP fault, or an answer without a \`listeCreneau\` holding at least one \`occCreneau\`. The gateway refuses searches from 01:00 to 04:00 Paris time: a slot row that would run then is reported "not measured: blackout", not counted as errors.`,
  );
  out.push(
    `- Mixed workload: per request, a seeded draw (\`prng(${MIX_SEED})\` of test/support/load.ts, so every run and every target gets the same sequence) of 60% state queries, 25% deposits and 15% slot searches, each the same request and the same check as in its own row (each with its own client certificate: ${s.client === 'undici' ? 'one undici Pool per certificate' : 'a connection per certificate and worker'}, ${s.connections} requests in flight in all); the peers answer each kind as in its row. Its ratio to the echo is reported; its p99 is held to the issue's 25 ms.`,
  );
  out.push(
    `- Memory: the resident set size (VmRSS of /proc/<pid>/status) of every gateway node process (all of them, not its PostgreSQL), sampled every ${report.memoryEveryMs} ms over each gateway row's measured window. The bar (< ${MEMORY_BAR.maxRssMB} MB, MB = 10^6 bytes) is judged both per process (largest RSS of one process) and for the processes together (largest sum at one sample); the sum counts the pages they share (node's code) once per process, so the PSS sum (/proc/<pid>/smaps_rollup, shared pages split between them) is shown next to it. The soak (below) checks that it does not grow.`,
  );
  out.push(
    '- Handshakes: a Node load process (`tls.connect`, the bench\'s esav client certificate, no session offered so nothing is resumed) runs 16 connectors in a closed loop; each opens a new connection, does the full mTLS handshake, sends `GET /bench-handshake.txt` with `Connection: close`, reads the answer and closes. A connection counts when an HTTP status line comes back (the server accepted the certificate: a Node server checks it after the handshake and destroys a refused connection without an alert, so a completed client handshake alone does not tell); the gateway and the bare peer answer 404, openssl the file. Before each row, probes check that the target answers the bench\'s certificate and refuses a connection without one and one with a certificate of another CA. Same warm-up and window as the other rows. Targets: the gateway, the bare node:https peer, and `openssl s_server` with the same server certificate and key and the same client CA (`-Verify 1 -verify_return_error -min_protocol TLSv1.2 -no_ticket -no_cache -WWW`: one process, one connection at a time). The load generator\'s own handshakes (an RSA signature with the client key per connection) take most of a core: see its CPU column.',
  );
  out.push('- All: `Content-Type: text/xml; charset=utf-8`.');
  out.push('- TLS: all three targets use the gateway\'s server certificate and key, require a client certificate signed by the client CA (`requestCert`, `rejectUnauthorized`), TLS 1.2 minimum, no session tickets or cache. The client certificates are issued by `esav cert issue` (scope esav for deposits and state queries, ftth for the slot search).');
  out.push(`- Gateway: the real \`bin/esav.js serve\` (as \`npm start\` runs it, with the node flags of its shebang), ${workersText(report)}, with its ${report.machine.database === 'embedded' ? 'embedded PostgreSQL' : 'DATABASE_URL database'} (fsync ${report.db.fsync ?? '?'}, synchronous_commit ${report.db.synchronousCommit ?? '?'}: every deposit is committed to disk before it is answered), log level \`${s.logLevel}\`. Data made with the real CLI (\`esav operator add\`, \`prestation add\`, \`cert issue\`, \`planning load\`), the state query's tickets with real deposits.`);
  out.push('- Express+soap echo: one process, Express 5 + `soap.listen` serving `wsdl/signalisation/v1/signalisation.wsdl`; `deposerSignalisation` returns a fixed-shape answer (reference, date, state), `consulterEtatSignalisation` one with the queried reference, a fixed state and the current date; a second `soap.listen` on `/ws/rdv-ftth/v1` serving `wsdl/rdv-ftth/v1/plan-charge-sav-ftth.wsdl`, whose `rechercheCreneauxLibres` returns a fixed list of 3 slots with the `EnteteType` header filled from the request\'s (so its slot answer is much smaller than the gateway\'s: see response bytes). No validation, no identity lookup, no database.');
  out.push('- Bare node:https: one process, `https.createServer`; drains the request body and answers every deposit with the same SOAP response bytes, every state query with fixed bytes around the reference found in the request by string search (the gateway\'s answer shape), every slot search with the bytes of the gateway\'s answer to the setup\'s probe search (same size and shape; sizes in the details table).');
  out.push('');
  out.push(END);
  return out.join('\n');
}

/**
 * What a missing BENCHMARKS.md starts with. The hand-written part (what each figure is, how it is
 * measured, the bars) lives in the file itself, in git: not repeated here, where it would drift.
 */
const HUMAN_PART = `# Benchmarks

(The hand-written part of this file is missing: restore it from git, \`git checkout -- BENCHMARKS.md\`.)
`;

/**
 * Replaces one generated part of BENCHMARKS.md (from `begin` to `end`, markers included, which
 * `generated` must carry), keeping everything else: the hand-written text and the other part (a
 * normal run leaves the last soak figure alone, and a soak the last run's). A missing part is
 * appended.
 */
export function writeGeneratedPart(path: string, generated: string, begin = BEGIN, end = END): void {
  if (!existsSync(path)) {
    writeFileSync(path, `${HUMAN_PART}\n${generated}\n`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const b = text.indexOf(begin);
  const e = b < 0 ? -1 : text.indexOf(end, b);
  if (b < 0 || e < 0) {
    writeFileSync(path, `${text.replace(/\s*$/, '')}\n\n${generated}\n`);
    return;
  }
  writeFileSync(path, text.slice(0, b) + generated + text.slice(e + end.length));
}

/** Replaces the generated section of the latest run. */
export function writeBenchmarksMd(path: string, generated: string): void {
  writeGeneratedPart(path, generated, BEGIN, END);
}
