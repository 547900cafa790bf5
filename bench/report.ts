/** The bench's table on stdout and the generated section of BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { LoadResult } from './load.js';
import type { CpuUse } from './procstat.js';
import type { BAR, TargetName } from './scenarios.js';

export interface Row {
  scenario: string;
  target: TargetName;
  result: LoadResult;
  cpu: CpuUse;
  /** Gateway stdout lines during the measured window (gateway rows only). */
  gatewayLogLines?: number;
}

export interface Report {
  date: Date;
  settings: { seconds: number; warmupSeconds: number; connections: number; logLevel: string };
  machine: { cpus: number; cpuModel: string; memGiB: number; os: string; node: string; postgres?: string; database: string };
  db: { fsync?: string; synchronousCommit?: string; tickets?: number };
  rows: Row[];
  gatewayProblems: string[];
  bar: typeof BAR;
}

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

const TARGET_LABEL: Record<TargetName, string> = {
  bare: 'bare node:https',
  echo: 'express+soap echo',
  gateway: 'gateway',
};

function label(r: Row): string {
  return `${TARGET_LABEL[r.target]} (${r.scenario.split('@')[0]})`;
}

const f0 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(0));
const f2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(2));
const cores = (n: number | undefined) => (n === undefined ? 'n/a' : n.toFixed(2));
const fx = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? 'n/a' : `${n.toFixed(2)}x`);
/** Other processes busier than this during a window make its numbers suspect. */
const OTHER_LOAD_WARNING = 0.2;

function disturbed(report: Report): string[] {
  return report.rows
    .filter((r) => (r.cpu.otherCores ?? 0) > OTHER_LOAD_WARNING)
    .map((r) => `other processes on the machine used ${cores(r.cpu.otherCores)} cores during ${r.scenario}: its numbers are disturbed, run again on a quiet machine`);
}

function row(report: Report, name: string): Row | undefined {
  return report.rows.find((r) => r.scenario === name);
}

export interface BarVerdict {
  met: boolean;
  ratio: number;
  p99: number;
  reasons: string[];
}

/** The issue's bar, or undefined when this run cannot tell (a row missing, other connection count). */
export function barMet(report: Report): BarVerdict | undefined {
  const gw = row(report, report.bar.gateway);
  const echo = row(report, report.bar.echo);
  if (!gw || !echo || report.settings.connections !== report.bar.connections) return undefined;
  const ratio = gw.result.reqPerSec / echo.result.reqPerSec;
  const p99 = gw.result.p99;
  const reasons: string[] = [];
  if (!(ratio >= report.bar.minRatio)) reasons.push(`throughput ${ratio.toFixed(2)}x of the echo < ${report.bar.minRatio.toFixed(1)}x`);
  if (!(p99 < report.bar.maxP99Ms)) reasons.push(`p99 ${p99.toFixed(1)} ms >= ${report.bar.maxP99Ms} ms`);
  if (gw.result.errors > 0) reasons.push(`${gw.result.errors} errors`);
  return { met: reasons.length === 0, ratio, p99, reasons };
}

function ratios(report: Report): { gwEcho?: number; gwBare?: number; echoBare?: number } {
  const gw = row(report, report.bar.gateway)?.result.reqPerSec;
  const echo = row(report, report.bar.echo)?.result.reqPerSec;
  const bare = row(report, report.bar.bare)?.result.reqPerSec;
  return {
    gwEcho: gw !== undefined && echo ? gw / echo : undefined,
    gwBare: gw !== undefined && bare ? gw / bare : undefined,
    echoBare: echo !== undefined && bare ? echo / bare : undefined,
  };
}

function barText(report: Report): string {
  const b = report.bar;
  const text = `deposit >= ${b.minRatio.toFixed(1)}x the Express+soap echo throughput, p99 < ${b.maxP99Ms} ms at ${b.connections} connections`;
  const v = barMet(report);
  if (!v) return `${text}: not evaluated (needs the gateway and echo rows at ${b.connections} connections)`;
  return `${text}: ${v.met ? 'MET' : `NOT MET (${v.reasons.join('; ')})`}`;
}

function machineLine(report: Report): string {
  const m = report.machine;
  const durability = [report.db.fsync && `fsync ${report.db.fsync}`, report.db.synchronousCommit && `synchronous_commit ${report.db.synchronousCommit}`].filter(Boolean).join(', ');
  return (
    `${m.cpus} x ${m.cpuModel}, ${m.memGiB.toFixed(1)} GiB RAM, ${m.os}, Node ${m.node}` +
    (m.postgres ? `, ${m.postgres} (${m.database}${durability ? `; ${durability}` : ''})` : '')
  );
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function renderConsole(report: Report): string {
  const out: string[] = [];
  const s = report.settings;
  out.push(`e-SAV gateway bench, ${report.date.toISOString()}`);
  out.push(`machine: ${machineLine(report)}`);
  out.push(`load: ${s.connections} keep-alive mTLS connections (undici Pool, pipelining 1), ${s.warmupSeconds} s warm-up + ${s.seconds} s measured per target; gateway log level ${s.logLevel}`);
  out.push('');
  out.push(`${pad('target', 30)}${pad('req/s', 10, true)}${pad('p50 ms', 10, true)}${pad('p99 ms', 10, true)}${pad('errors', 9, true)}`);
  for (const r of report.rows) {
    out.push(`${pad(label(r), 30)}${pad(f0(r.result.reqPerSec), 10, true)}${pad(f2(r.result.p50), 10, true)}${pad(f2(r.result.p99), 10, true)}${pad(String(r.result.errors), 9, true)}`);
  }
  const q = ratios(report);
  out.push('');
  out.push(`gateway/echo: ${fx(q.gwEcho)}   gateway/bare: ${fx(q.gwBare)}   (echo/bare: ${fx(q.echoBare)})`);
  out.push(`bar: ${barText(report)}`);
  out.push('');
  out.push(`${pad('details', 30)}${pad('p90', 9, true)}${pad('p99.9', 9, true)}${pad('max', 9, true)}${pad('1-s min..max req/s', 21, true)}${pad('cpu target', 12, true)}${pad('cpu pg', 9, true)}${pad('cpu load', 10, true)}${pad('cpu other', 11, true)}`);
  for (const r of report.rows) {
    const ps = r.result.perSecond;
    out.push(
      `${pad(label(r), 30)}${pad(f2(r.result.p90), 9, true)}${pad(f2(r.result.p999), 9, true)}${pad(f2(r.result.max), 9, true)}` +
        `${pad(`${Math.min(...ps)}..${Math.max(...ps)}`, 21, true)}${pad(cores(r.cpu.targetCores), 12, true)}${pad(r.target === 'gateway' ? cores(r.cpu.targetChildrenCores) : '-', 9, true)}${pad(cores(r.cpu.loadCores), 10, true)}${pad(cores(r.cpu.otherCores), 11, true)}`,
    );
  }
  out.push('(cpu = cores busy on average during the measured window: target process, its child processes (embedded PostgreSQL), load generator, anything else on the machine)');
  for (const w of disturbed(report)) out.push(`WARNING: ${w}`);
  const gw = row(report, report.bar.gateway);
  if (gw) {
    const perReq = gw.gatewayLogLines !== undefined && gw.result.ok + gw.result.errors > 0 ? gw.gatewayLogLines / (gw.result.ok + gw.result.errors) : undefined;
    out.push(`gateway: ${f2(perReq)} log lines per request in the window; tickets in the database for the bench prestation: ${report.db.tickets ?? 'n/a'}`);
    if (gw.result.ok > 0 && gw.cpu.targetCores !== undefined) {
      out.push(`gateway: ${f2((gw.cpu.targetCores * 1000) / gw.result.reqPerSec)} ms of gateway CPU and ${f2(((gw.cpu.targetChildrenCores ?? NaN) * 1000) / gw.result.reqPerSec)} ms of PostgreSQL CPU per deposit`);
    }
  }
  for (const r of report.rows) {
    if (r.result.warmupErrors) out.push(`${r.scenario}: ${r.result.warmupErrors} errors during warm-up`);
    if (r.result.stoppedEarly) out.push(`${r.scenario}: stopped early: ${r.result.stoppedEarly}`);
    for (const e of r.result.errorSamples) out.push(`${r.scenario}: error sample: ${e}`);
  }
  for (const p of report.gatewayProblems) out.push(`gateway log: ${p}`);
  return out.join('\n');
}

export function renderMarkdown(report: Report): string {
  const s = report.settings;
  const q = ratios(report);
  const v = barMet(report);
  const out: string[] = [];
  out.push(BEGIN);
  out.push('<!-- Generated by `npm run bench` (bench/run.ts). Everything between the bench markers is rewritten on each run. -->');
  out.push('');
  out.push('## Latest run');
  out.push('');
  out.push(`- Command: \`npm run bench\` (${s.seconds} s measured per target after ${s.warmupSeconds} s of warm-up, ${s.connections} connections)`);
  out.push(`- Date: ${report.date.toISOString()}`);
  out.push(`- Machine: ${machineLine(report)}`);
  out.push(`- Gateway log level: \`${s.logLevel}\` (stdout piped to the bench and drained, as a log shipper would)`);
  out.push('');
  out.push('| target | req/s | p50 ms | p99 ms | errors |');
  out.push('|---|---:|---:|---:|---:|');
  for (const r of report.rows) out.push(`| ${label(r)} | ${f0(r.result.reqPerSec)} | ${f2(r.result.p50)} | ${f2(r.result.p99)} | ${r.result.errors} |`);
  out.push('');
  out.push(`Ratios (throughput): gateway/echo **${fx(q.gwEcho)}**, gateway/bare **${fx(q.gwBare)}** (echo/bare ${fx(q.echoBare)}).`);
  out.push('');
  out.push(`**Bar** (from the issue): deposit >= ${report.bar.minRatio.toFixed(1)}x the Express+soap echo throughput, p99 < ${report.bar.maxP99Ms} ms at ${report.bar.connections} connections.`);
  out.push(v ? `**${v.met ? 'Met' : 'Not met'}**${v.met ? '' : `: ${v.reasons.join('; ')}`}.` : '**Not evaluated** by this run (it needs the gateway and echo rows at 16 connections).');
  out.push('');
  out.push('| details | p90 ms | p99.9 ms | max ms | 1-s min..max req/s | CPU target | CPU PostgreSQL | CPU load gen. | CPU other |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.rows) {
    const ps = r.result.perSecond;
    out.push(
      `| ${label(r)} | ${f2(r.result.p90)} | ${f2(r.result.p999)} | ${f2(r.result.max)} | ${Math.min(...ps)}..${Math.max(...ps)} | ${cores(r.cpu.targetCores)} | ${r.target === 'gateway' ? cores(r.cpu.targetChildrenCores) : '-'} | ${cores(r.cpu.loadCores)} | ${cores(r.cpu.otherCores)} |`,
    );
  }
  out.push('');
  out.push('CPU columns: cores busy on average during the measured window (1.00 = one core all the time), from /proc. "Other" is the rest of the machine (not the target, its PostgreSQL, the load generator or the bench): above 0.2 the row is disturbed.');
  for (const w of disturbed(report)) out.push(`\n**Warning**: ${w}.`);
  const gw = row(report, report.bar.gateway);
  if (gw && gw.result.ok > 0 && gw.cpu.targetCores !== undefined) {
    out.push(
      `Per deposit: ${f2((gw.cpu.targetCores * 1000) / gw.result.reqPerSec)} ms of gateway CPU, ${f2(((gw.cpu.targetChildrenCores ?? NaN) * 1000) / gw.result.reqPerSec)} ms of PostgreSQL CPU.`,
    );
  }
  out.push('');
  out.push('### How it was measured');
  out.push('');
  out.push('- One run, loopback only. Each target runs in its own process, and so does the load generator (a fresh one per target), so no two share an event loop. The targets are measured one after the other (bare, echo, gateway) while the others sit idle.');
  out.push(`- Load: undici \`Pool\`, ${s.connections} keep-alive mTLS connections, pipelining 1, a closed loop (each connection sends its next request when the answer is read). ${s.warmupSeconds} s warm-up not counted, then ${s.seconds} s measured; a request counts in the window it completes in. req/s and latencies count successful answers only.`);
  out.push('- Request: the same v1 `deposerSignalisation` envelope every time (`depositXml(V1, \'ETH-BENCH-1\')`, no external reference, so every gateway deposit inserts a new ticket and its first event), `SOAPAction: "urn:fr:esav:signalisation:v1#deposerSignalisation"`, `Content-Type: text/xml; charset=utf-8`. An error is a non-200 status, a SOAP fault, or an answer without a well-formed `referenceSignalisation`.');
  out.push('- TLS: all three targets use the gateway\'s server certificate and key, require a client certificate signed by the client CA (`requestCert`, `rejectUnauthorized`), TLS 1.2 minimum, no session tickets or cache. The client certificate is issued by `esav cert issue`.');
  out.push(`- Gateway: the real \`node bin/esav.js serve\` with its ${report.machine.database === 'embedded' ? 'embedded PostgreSQL' : 'DATABASE_URL database'} (fsync ${report.db.fsync ?? '?'}, synchronous_commit ${report.db.synchronousCommit ?? '?'}: every deposit is committed to disk before it is answered), log level \`${s.logLevel}\`. Data made with the real CLI (\`esav operator add\`, \`prestation add\`, \`cert issue\`).`);
  out.push('- Express+soap echo: Express 5 + `soap.listen` serving `wsdl/signalisation/v1/signalisation.wsdl`; `deposerSignalisation` returns a fixed-shape answer (reference, date, state). No validation, no identity lookup, no database.');
  out.push('- Bare node:https: `https.createServer`, drains the request body and answers every POST with the same SOAP response bytes.');
  out.push('');
  out.push(END);
  return out.join('\n');
}

const HUMAN_PART = `# Benchmarks

How fast the gateway files a signalisation (\`deposerSignalisation\`), compared with two peers on the
same machine and the same mutual-TLS settings:

- **bare node:https**: the floor, TLS and HTTP only, a fixed answer;
- **Express + node-soap echo**: what a stock Node SOAP server costs, the same WSDL, a fixed answer,
  no validation and no database;
- **gateway**: the real thing: identity from the client certificate, XML safety checks, libxml2
  parse and XSD validation, PostgreSQL insert committed with fsync, one log line per request.

## Running it

\`\`\`
npm run bench                     # 2 s warm-up + 10 s per target, 16 connections
BENCH_SECONDS=5 npm run bench     # shorter
\`\`\`

The run makes a temporary folder, starts the gateway (\`esav serve\`, embedded PostgreSQL unless
\`DATABASE_URL\` is set), sets its data up with the \`esav\` CLI, starts the peers, measures, prints a
table, rewrites the generated part of this file (between the bench markers below) and removes
everything it started (also on Ctrl-C, and after an overall timeout). Exit code 1 when a target
does not start or any target answers with errors (a non-200, a SOAP fault, no reference).

Settings: \`BENCH_SECONDS\` (10), \`BENCH_WARMUP_SECONDS\` (2), \`BENCH_CONNECTIONS\` (16; the bar is
only evaluated at 16), \`BENCH_SCENARIOS\` (comma-separated, e.g. \`deposit@gateway\`),
\`BENCH_LOG_LEVEL\` (\`info\`, as in production: one line per request, included in the measure; \`warn\`
is refused, since the bench reads the gateway's port from its info-level "listening" line),
\`BENCH_WRITE=0\` (leave this file alone),
\`BENCH_ENFORCE=1\` (exit 1 when the bar is not met), \`BENCH_GATEWAY_CPU_PROF=<dir>\` (CPU profile of
the gateway under load, written as \`<dir>/gateway-<pid>.cpuprofile\` when it stops),
\`BENCH_GATEWAY_NODE_OPTIONS\` (other node flags for the gateway only).

Scenarios live in \`bench/scenarios.ts\`: \`{ name, target, path, body(i), soapAction, check(body) }\`.
A new operation (a state query) or a mixed workload is one more entry; data it needs goes in the
setup in \`bench/run.ts\`.

Numbers from a 2-core machine have the load generator, the target and PostgreSQL competing for the
same two cores: compare targets within one run, not runs across machines.
`;

/** Replaces the generated section of BENCHMARKS.md, keeping everything outside the markers. */
export function writeBenchmarksMd(path: string, generated: string): void {
  if (!existsSync(path)) {
    writeFileSync(path, `${HUMAN_PART}\n${generated}\n`);
    return;
  }
  const text = readFileSync(path, 'utf8');
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END, b);
  if (b < 0 || e < 0) {
    writeFileSync(path, `${text.replace(/\s*$/, '')}\n\n${generated}\n`);
    return;
  }
  writeFileSync(path, text.slice(0, b) + generated + text.slice(e + END.length));
}
