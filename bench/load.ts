/**
 * The load generator, run as its own process by bench/run.ts (never imported):
 *   node dist/bench/load.js '<LoadConfig as JSON>'
 * A closed loop: `connections` workers on an undici Pool of as many keep-alive mTLS connections
 * (pipelining 1), each sending its next request as soon as the previous answer is read. A mixed
 * scenario sends each request with the client certificate of its operation (esav or ftth scope):
 * one Pool per certificate, each of up to `connections` connections, `connections` requests in
 * flight in all.
 * Warm-up first (not recorded), then the measured window; a request counts in the window it
 * completes in. Bounded by time and by request count: it always stops by itself.
 * Tells the parent over IPC when the measured window starts and ends (it samples CPU then),
 * then sends the result and exits.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { isMixed, scenarioByName, type ClientScope, type ScenarioData, type SingleOperation, type SlotQuery } from './scenarios.js';

/** A client certificate and its key (file paths). */
export interface ClientPair {
  key: string;
  cert: string;
}

export interface LoadConfig {
  scenario: string;
  origin: string;
  /** Client certificates by scope: each request sends its scenario's (SingleScenario.client, default esav). */
  clients: Partial<Record<ClientScope, ClientPair>>;
  serverCa: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on requests started, warm-up included. */
  maxRequests: number;
  /** Per-request bound (headers and body). */
  requestTimeoutMs: number;
  /** Ticket references made by the setup, for the scenarios that query them (state@*). */
  references?: string[];
  /** The slot search made by the setup (slots@*). */
  slots?: SlotQuery;
}

export interface LoadResult {
  scenario: string;
  connections: number;
  durationMs: number;
  /** Successful answers completed in the measured window. */
  ok: number;
  /** Wrong status, failed check or transport error, completed in the measured window. */
  errors: number;
  warmupOk: number;
  warmupErrors: number;
  /** A few distinct error descriptions, for the report. */
  errorSamples: string[];
  reqPerSec: number;
  /** Latency of the successful answers of the window, in ms. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Successful answers per whole second of the window. */
  perSecond: number[];
  /** Size of the response body of the first successful answer (bytes), to compare answer sizes between targets (single scenarios). */
  responseBytes?: number;
  stoppedEarly?: string;
  /** Mixed scenarios: the answers of the window by operation (the mix actually sent, and each one's latency). */
  byOperation?: OperationStats[];
}

export interface OperationStats {
  operation: SingleOperation;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const MAX_ERRORS = 10_000;

async function run(cfg: LoadConfig): Promise<LoadResult> {
  const scenario = scenarioByName(cfg.scenario);
  const mixed = isMixed(scenario);
  const data: ScenarioData = { references: cfg.references ?? [], slots: cfg.slots };
  if (scenario.needsReferences && data.references.length === 0) throw new Error(`${cfg.scenario} needs references and got none`);
  if (scenario.needsSlots && !data.slots) throw new Error(`${cfg.scenario} needs a slot query and got none`);
  const ca = readFileSync(cfg.serverCa);
  // One Pool per client certificate, made on first use (a single scenario uses one).
  const pools = new Map<ClientScope, Pool>();
  const poolOf = (scope: ClientScope): Pool => {
    let pool = pools.get(scope);
    if (!pool) {
      const pair = cfg.clients[scope];
      if (!pair) throw new Error(`${cfg.scenario} sends ${scope}-scope requests and the config has no ${scope} client certificate`);
      pool = new Pool(cfg.origin, {
        connections: cfg.connections,
        pipelining: 1,
        connect: { key: readFileSync(pair.key), cert: readFileSync(pair.cert), ca, servername: 'localhost', rejectUnauthorized: true },
        headersTimeout: cfg.requestTimeoutMs,
        bodyTimeout: cfg.requestTimeoutMs,
      });
      pools.set(scope, pool);
    }
    return pool;
  };
  const byOp = new Map<SingleOperation, { ok: number; errors: number; latencies: number[] }>();
  const opStats = (op: SingleOperation) => {
    let st = byOp.get(op);
    if (!st) byOp.set(op, (st = { ok: 0, errors: 0, latencies: [] }));
    return st;
  };

  const t0 = performance.now();
  const warmEnd = t0 + cfg.warmupMs;
  const end = warmEnd + cfg.durationMs;
  const seconds = Math.ceil(cfg.durationMs / 1000);
  const perSecond = new Array<number>(seconds).fill(0);
  const latencies: number[] = [];
  const errorSamples = new Set<string>();
  let next = 0;
  let ok = 0;
  let errors = 0;
  let warmupOk = 0;
  let warmupErrors = 0;
  let stoppedEarly: string | undefined;
  let responseBytes: number | undefined;

  // The parent samples CPU on these two messages. When the last answers land after `end` but
  // before the end timer's turn, the workers are done first: measure-end is then sent right away.
  let windowStarted = false;
  let windowEnded = false;
  const startWindow = () => {
    windowStarted = true;
    process.send?.({ type: 'measure-start' });
  };
  const endWindow = () => {
    if (windowEnded || !windowStarted) return;
    windowEnded = true;
    process.send?.({ type: 'measure-end' });
  };
  const warmTimer = setTimeout(startWindow, Math.max(0, warmEnd - performance.now()));
  const endTimer = setTimeout(endWindow, Math.max(0, end - performance.now()));

  function fail(reason: string): void {
    if (errorSamples.size < 5) errorSamples.add(reason.slice(0, 400));
  }

  async function worker(): Promise<void> {
    for (;;) {
      const start = performance.now();
      if (start >= end) return;
      if (next >= cfg.maxRequests) {
        stoppedEarly ??= `request bound reached (${cfg.maxRequests})`;
        return;
      }
      if (errors + warmupErrors >= MAX_ERRORS) {
        stoppedEarly ??= `too many errors (${MAX_ERRORS})`;
        return;
      }
      const i = next++;
      const s = mixed ? scenario.pick(i) : scenario;
      const action = s.soapAction;
      let good = false;
      try {
        const res = await poolOf(s.client ?? 'esav').request({
          path: s.path,
          method: 'POST',
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: `"${typeof action === 'string' ? action : action(i)}"`,
          },
          body: s.body(i, data),
        });
        const text = await res.body.text();
        good = res.statusCode === (s.expectStatus ?? 200) && s.check(text, i, data);
        if (!good) fail(`${mixed ? `${s.operation}: ` : ''}HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
        else if (!mixed) responseBytes ??= Buffer.byteLength(text);
      } catch (err) {
        fail(`${(err as Error).name}: ${(err as Error).message}`);
      }
      const done = performance.now();
      if (done < warmEnd) {
        if (good) warmupOk++;
        else warmupErrors++;
      } else if (done <= end) {
        if (good) {
          ok++;
          latencies.push(done - start);
          perSecond[Math.min(seconds - 1, Math.floor((done - warmEnd) / 1000))]!++;
        } else errors++;
        if (mixed) {
          const st = opStats(s.operation);
          if (good) {
            st.ok++;
            st.latencies.push(done - start);
          } else st.errors++;
        }
      }
    }
  }

  await Promise.all(Array.from({ length: cfg.connections }, () => worker()));
  clearTimeout(warmTimer);
  clearTimeout(endTimer);
  endWindow();
  await Promise.all([...pools.values()].map((p) => p.close()));

  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    scenario: cfg.scenario,
    connections: cfg.connections,
    durationMs: cfg.durationMs,
    ok,
    errors,
    warmupOk,
    warmupErrors,
    errorSamples: [...errorSamples],
    reqPerSec: ok / (cfg.durationMs / 1000),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: latencies.length ? sum / latencies.length : NaN,
    perSecond,
    responseBytes,
    stoppedEarly,
    byOperation: mixed
      ? scenario.mix.map(({ operation }) => {
          const st = byOp.get(operation) ?? { ok: 0, errors: 0, latencies: [] };
          const sortedOp = Float64Array.from(st.latencies).sort();
          return { operation, ok: st.ok, errors: st.errors, p50: percentile(sortedOp, 50), p99: percentile(sortedOp, 99) };
        })
      : undefined,
  };
}

// Only when run as the load process (the module also exports types and percentile()).
if (process.argv[1] && /load\.js$/.test(process.argv[1]) && process.send) {
  process.on('disconnect', () => process.exit(1));
  run(JSON.parse(process.argv[2]!) as LoadConfig).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (err) => {
      process.stderr.write(`load: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
