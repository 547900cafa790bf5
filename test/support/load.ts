import https from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import type { OutgoingHttpHeaders } from 'node:http';
import { ESAV_BIN, eachLine } from './cli.js';
import type { TlsCreds } from './http.js';

/** Deterministic PRNG (mulberry32): the same seed gives the same corpus on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TimedReply {
  status?: number;
  body?: string;
  headers?: Record<string, string | string[] | undefined>;
  /** Set when no HTTP answer came: connection refused/reset, TLS refusal, or our own timeout. */
  error?: string;
  ms: number;
}

/**
 * One HTTPS request over mTLS that always settles: an answer, or the error, or 'TIMEOUT' after
 * timeoutMs (the request is then destroyed). Never rejects: fault tests count outcomes.
 */
export function timedRequest(
  url: string,
  creds: TlsCreds,
  opts: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; agent?: https.Agent | false; timeoutMs?: number } = {},
): Promise<TimedReply> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve) => {
    let done = false;
    const settle = (r: Omit<TimedReply, 'ms'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, ms: Date.now() - started });
    };
    const req = https.request(
      url,
      { method: opts.method ?? 'POST', headers: opts.headers, key: creds.key, cert: creds.cert, ca: creds.ca, agent: opts.agent ?? false, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => settle({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
      },
    );
    const timer = setTimeout(() => {
      settle({ error: 'TIMEOUT' });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
    req.end(opts.body);
  });
}

export function timedSoapPost(url: string, creds: TlsCreds, xml: Buffer | string, soapAction: string | undefined, opts: { agent?: https.Agent | false; timeoutMs?: number; headers?: OutgoingHttpHeaders } = {}): Promise<TimedReply> {
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'text/xml; charset=utf-8', ...(opts.headers ?? {}) };
  if (soapAction !== undefined) headers.SOAPAction = `"${soapAction}"`;
  return timedRequest(url, creds, { method: 'POST', headers, body: xml, agent: opts.agent, timeoutMs: opts.timeoutMs });
}

/** A keep-alive agent for one client certificate. */
export function keepAliveAgent(creds: TlsCreds, maxSockets = 4): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets, key: creds.key, cert: creds.cert, ca: creds.ca, servername: 'localhost' });
}

/** Runs fn over items with at most `concurrency` in flight; results in item order. */
export async function mapLimit<T, R>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes (then throws). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  logs: string[];
  /** kill -9 of the whole process group: the primary and every worker, no clean-up at all. */
  kill9(): Promise<void>;
  /** SIGTERM to the primary (it stops its workers), SIGKILL to the group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** true while the primary runs. */
  alive(): boolean;
}

/**
 * `esav serve` in its own process group (detached), so a test can kill -9 the first process and
 * the ones it forked at once. Resolves when `listeners` processes logged that they listen (with
 * ESAV_WORKERS=n, each of the n processes logs it; the port is shared).
 */
export function spawnServe(env: NodeJS.ProcessEnv, listeners = 1, timeoutMs = 60_000): Promise<ServeProcess> {
  // The bin itself, as ops run it: its shebang carries the gateway's node flags.
  const child = spawn(ESAV_BIN, ['serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const logs: string[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      /* already gone */
    }
  };
  const proc = (port: number): ServeProcess => ({
    child,
    port,
    logs,
    alive: () => child.exitCode === null && child.signalCode === null,
    async kill9() {
      group('SIGKILL');
      await exited;
      // The workers are in the group too; give the kernel a moment to reap them.
      await sleep(200);
    },
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        group('SIGKILL');
        return;
      }
      const force = setTimeout(() => group('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(force);
      group('SIGKILL');
    },
  });
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => {
      group('SIGKILL');
      reject(new Error(`esav serve did not start: ${logs.slice(-20).join('\n')}`));
    }, timeoutMs);
    eachLine(child.stdout!, (line) => {
      // Keep the log bounded: load tests log one line per request.
      if (logs.length < 20_000) logs.push(line);
      if (line.includes('e-SAV gateway listening') && ++seen === listeners) {
        clearTimeout(timer);
        resolve(proc(JSON.parse(line).port));
      }
    });
    child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`esav serve exited with ${code ?? signal}: ${logs.slice(-20).join('\n')}`));
    });
  });
}

/** Waits for `p`, at most `ms` (then resolves anyway); the timer never outlives the wait. */
export async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
