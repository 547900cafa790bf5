/**
 * The load generator, run as its own process by bench/run.ts (never imported):
 *   node dist/bench/load.js '<LoadConfig as JSON>'
 * A closed loop: `connections` workers, each with its own keep-alive mTLS connection (the lean
 * client of bench/rawClient.ts; or, with `client: 'undici'`, an undici Pool of as many
 * connections, pipelining 1), each sending its next request as soon as the previous answer is
 * read. A mixed scenario sends each request with the client certificate of its operation (esav or
 * ftth scope): a connection per certificate and worker (undici: a Pool per certificate, each of
 * up to `connections` connections), `connections` requests in flight in all.
 * Warm-up first (not recorded), then the measured window; a request counts in the window it
 * completes in. Bounded by time and by request count: it always stops by itself.
 * Tells the parent over IPC when the measured window starts and ends (it samples CPU then),
 * then sends the result and exits.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MeasureWindow, percentile, type WindowFigures } from './window.js';
import { Pool } from 'undici';
import { RawConnection, type RawAnswer } from './rawClient.js';
import { isMixed, scenarioByName, type ClientScope, type ScenarioData, type SingleOperation, type SingleScenario, type SlotQuery } from './scenarios.js';

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
  /** The HTTP client: 'raw' (bench/rawClient.ts, the default) or 'undici' (what the bench used before). */
  client?: LoadClient;
  /** Ticket references made by the setup, for the scenarios that query them (state@*). */
  references?: string[];
  /** The slot search made by the setup (slots@*). */
  slots?: SlotQuery;
}

export type LoadClient = 'raw' | 'undici';

/** One worker's way to send: request i of single scenario s, answered with its status and body. */
type Send = (s: SingleScenario, i: number) => Promise<RawAnswer>;

export interface LoadResult extends WindowFigures {
  scenario: string;
  connections: number;
  durationMs: number;
  /** Size of the response body of the first successful answer (bytes), to compare answer sizes between targets (single scenarios). */
  responseBytes?: number;
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

async function run(cfg: LoadConfig): Promise<LoadResult> {
  const scenario = scenarioByName(cfg.scenario);
  const mixed = isMixed(scenario);
  const data: ScenarioData = { references: cfg.references ?? [], slots: cfg.slots };
  if (scenario.needsReferences && data.references.length === 0) throw new Error(`${cfg.scenario} needs references and got none`);
  if (scenario.needsSlots && !data.slots) throw new Error(`${cfg.scenario} needs a slot query and got none`);
  const ca = readFileSync(cfg.serverCa);
  const pairs = new Map<ClientScope, { key: Buffer; cert: Buffer }>();
  const pairOf = (scope: ClientScope) => {
    let pair = pairs.get(scope);
    if (!pair) {
      const files = cfg.clients[scope];
      if (!files) throw new Error(`${cfg.scenario} sends ${scope}-scope requests and the config has no ${scope} client certificate`);
      pairs.set(scope, (pair = { key: readFileSync(files.key), cert: readFileSync(files.cert) }));
    }
    return pair;
  };
  const headersOf = (s: SingleScenario, i: number) => ({
    'content-type': 'text/xml; charset=utf-8',
    soapaction: `"${typeof s.soapAction === 'string' ? s.soapAction : s.soapAction(i)}"`,
  });
  const origin = new URL(cfg.origin);
  // undici: one Pool per client certificate, made on first use (a single scenario uses one).
  const pools = new Map<ClientScope, Pool>();
  const poolOf = (scope: ClientScope): Pool => {
    let pool = pools.get(scope);
    if (!pool) {
      pool = new Pool(cfg.origin, {
        connections: cfg.connections,
        pipelining: 1,
        connect: { ...pairOf(scope), ca, servername: 'localhost', rejectUnauthorized: true },
        headersTimeout: cfg.requestTimeoutMs,
        bodyTimeout: cfg.requestTimeoutMs,
      });
      pools.set(scope, pool);
    }
    return pool;
  };
  const undiciSend: Send = async (s, i) => {
    const res = await poolOf(s.client ?? 'esav').request({ path: s.path, method: 'POST', headers: headersOf(s, i), body: s.body(i, data) });
    return { status: res.statusCode, body: await res.body.text() };
  };
  /** raw: each worker its own connection per certificate; returns the sender and how to close them. */
  const rawSender = (): { send: Send; close(): void } => {
    const conns = new Map<ClientScope, RawConnection>();
    return {
      send: (s, i) => {
        const scope = s.client ?? 'esav';
        let c = conns.get(scope);
        if (!c) {
          c = new RawConnection({ host: origin.hostname, port: Number(origin.port), ...pairOf(scope), ca, servername: 'localhost', rejectUnauthorized: true }, cfg.requestTimeoutMs);
          conns.set(scope, c);
        }
        return c.request('POST', s.path, headersOf(s, i), s.body(i, data));
      },
      close: () => conns.forEach((c) => c.close()),
    };
  };
  const byOp = new Map<SingleOperation, { ok: number; errors: number; latencies: number[] }>();
  const opStats = (op: SingleOperation) => {
    let st = byOp.get(op);
    if (!st) byOp.set(op, (st = { ok: 0, errors: 0, latencies: [] }));
    return st;
  };

  const window = new MeasureWindow(cfg.warmupMs, cfg.durationMs);
  let next = 0;
  let responseBytes: number | undefined;

  async function worker(): Promise<void> {
    const raw = cfg.client === 'undici' ? undefined : rawSender();
    const send = raw ? raw.send : undiciSend;
    try {
      await loop(send);
    } finally {
      raw?.close();
    }
  }

  async function loop(send: Send): Promise<void> {
    for (;;) {
      const start = performance.now();
      if (window.over(start)) return;
      if (next >= cfg.maxRequests) {
        window.stoppedEarly ??= `request bound reached (${cfg.maxRequests})`;
        return;
      }
      const i = next++;
      const s = mixed ? scenario.pick(i) : scenario;
      let good = false;
      try {
        const res = await send(s, i);
        good = res.status === (s.expectStatus ?? 200) && s.check(res.body, i, data);
        if (!good) window.fail(`${mixed ? `${s.operation}: ` : ''}HTTP ${res.status}: ${res.body.slice(0, 300)}`, 400);
        else if (!mixed) responseBytes ??= Buffer.byteLength(res.body);
      } catch (err) {
        window.fail(`${(err as Error).name}: ${(err as Error).message}`, 400);
      }
      const done = performance.now();
      if (window.record(start, done, good) && mixed) {
        const st = opStats(s.operation);
        if (good) {
          st.ok++;
          st.latencies.push(done - start);
        } else st.errors++;
      }
    }
  }

  await Promise.all(Array.from({ length: cfg.connections }, () => worker()));
  const figures = window.finish();
  await Promise.all([...pools.values()].map((p) => p.close()));

  return {
    scenario: cfg.scenario,
    connections: cfg.connections,
    durationMs: cfg.durationMs,
    ...figures,
    responseBytes,
    byOperation: mixed
      ? scenario.mix.map(({ operation }) => {
          const st = byOp.get(operation) ?? { ok: 0, errors: 0, latencies: [] };
          const sortedOp = Float64Array.from(st.latencies).sort();
          return { operation, ok: st.ok, errors: st.errors, p50: percentile(sortedOp, 50), p99: percentile(sortedOp, 99) };
        })
      : undefined,
  };
}

// Only when run as the load process (the module also exports its types).
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
