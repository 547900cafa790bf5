/**
 * The handshake load generator, run as its own process by bench/run.ts (never imported for its loop):
 *   node dist/bench/handshake.js '<HandshakeConfig as JSON>'
 * `connections` connectors in a closed loop; each opens a new mTLS connection (a full handshake
 * with the client certificate: no session is offered, so nothing can be resumed), sends
 * `GET HANDSHAKE_PATH` with `Connection: close`, reads the answer and closes, then starts the next.
 * A connection counts when an HTTP status line comes back: the server accepted the certificate.
 * The client's end of the handshake alone does not tell: a Node server checks the client
 * certificate after its side of the handshake and destroys a refused connection without an alert.
 * Before the loop, three probes: the bench's certificate must be answered; no certificate, and a
 * certificate of another CA (the server's own pair), must not. A probe that goes the wrong way is
 * reported (the row is then an error: the target's mTLS is not the one being compared).
 * Same IPC as load.js: measure-start, measure-end, then the result.
 */
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { LoadResult } from './load.js';
import { MeasureWindow } from './window.js';
import { HANDSHAKE_PATH, type HandshakeTarget } from './scenarios.js';

export interface HandshakeConfig {
  target: HandshakeTarget;
  port: number;
  clientKey: string;
  clientCert: string;
  /** The CA of the server's certificate. */
  serverCa: string;
  /** A pair the target must refuse as a client certificate (the server's own: another CA). */
  wrongKey: string;
  wrongCert: string;
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Upper bound on connections started, warm-up included. */
  maxConnections: number;
  /** Per-connection bound (handshake, request and answer). */
  timeoutMs: number;
}

export interface HandshakeResult extends LoadResult {
  /** Probes that went the wrong way (empty when the target accepts the bench's certificate and refuses the others). */
  probeFailures: string[];
  /** What the first accepted connection negotiated. */
  protocol?: string;
  cipher?: string;
}

interface Outcome {
  ok: boolean;
  reason?: string;
  protocol?: string;
  cipher?: string;
}

const REQUEST = `GET ${HANDSHAKE_PATH} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
const STATUS_LINE = /^HTTP\/1\.[01] \d{3} /;

/** One connection: handshake, the GET, its answer, close. Never rejects. */
function connectOnce(opts: tls.ConnectionOptions, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    let head = '';
    let err: (Error & { code?: string }) | undefined;
    let protocol: string | undefined;
    let cipher: string | undefined;
    const socket = tls.connect(opts, () => {
      protocol = socket.getProtocol() ?? undefined;
      cipher = socket.getCipher()?.standardName;
      // Never offered a session, so never resumed: checked anyway, a resumed one is not a full handshake.
      if (socket.isSessionReused()) {
        err = Object.assign(new Error('the session was resumed'), { code: 'RESUMED' });
        socket.destroy();
        return;
      }
      socket.write(REQUEST);
    });
    socket.setTimeout(timeoutMs, () => {
      err ??= Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: 'TIMEOUT' });
      socket.destroy();
    });
    socket.on('data', (d: Buffer) => {
      if (head.length < 64) head += d.toString('latin1');
    });
    socket.on('error', (e: Error & { code?: string }) => {
      err ??= e;
    });
    socket.on('close', () => {
      // An answer means the server accepted the certificate, whatever happens to the socket after.
      if (STATUS_LINE.test(head)) resolve({ ok: true, protocol, cipher });
      else resolve({ ok: false, reason: err ? `${err.code ?? err.name}: ${err.message}` : head ? `unexpected answer: ${JSON.stringify(head.slice(0, 60))}` : 'closed without an answer' });
    });
  });
}


async function run(cfg: HandshakeConfig): Promise<HandshakeResult> {
  // One TLS context per identity, made once: the loop then pays for handshakes, not for parsing PEM files.
  const ca = readFileSync(cfg.serverCa);
  const context = (key?: string, cert?: string) =>
    tls.createSecureContext({ ca, ...(key && cert ? { key: readFileSync(key), cert: readFileSync(cert) } : {}) });
  const base: tls.ConnectionOptions = { host: '127.0.0.1', port: cfg.port, servername: 'localhost', rejectUnauthorized: true };
  const good: tls.ConnectionOptions = { ...base, secureContext: context(cfg.clientKey, cfg.clientCert) };
  const noCert: tls.ConnectionOptions = { ...base, secureContext: context() };
  const wrong: tls.ConnectionOptions = { ...base, secureContext: context(cfg.wrongKey, cfg.wrongCert) };

  const probeFailures: string[] = [];
  const accepted = await connectOnce(good, cfg.timeoutMs);
  if (!accepted.ok) probeFailures.push(`the bench's client certificate was not answered (${accepted.reason})`);
  const anonymous = await connectOnce(noCert, cfg.timeoutMs);
  if (anonymous.ok) probeFailures.push('a connection without a client certificate was answered');
  const otherCa = await connectOnce(wrong, cfg.timeoutMs);
  if (otherCa.ok) probeFailures.push('a client certificate of another CA (the server certificate) was answered');

  const window = new MeasureWindow(cfg.warmupMs, cfg.durationMs);
  let started = 0;

  async function connector(): Promise<void> {
    for (;;) {
      const start = performance.now();
      if (window.over(start)) return;
      if (started >= cfg.maxConnections) {
        window.stoppedEarly ??= `connection bound reached (${cfg.maxConnections})`;
        return;
      }
      started++;
      const r = await connectOnce(good, cfg.timeoutMs);
      if (!r.ok) window.fail(r.reason!, 300);
      window.record(start, performance.now(), r.ok);
    }
  }

  await Promise.all(Array.from({ length: cfg.connections }, () => connector()));
  return {
    scenario: `handshake@${cfg.target}`,
    connections: cfg.connections,
    durationMs: cfg.durationMs,
    ...window.finish(),
    probeFailures,
    protocol: accepted.protocol,
    cipher: accepted.cipher,
  };
}

if (process.argv[1] && /handshake\.js$/.test(process.argv[1]) && process.send) {
  process.on('disconnect', () => process.exit(1));
  run(JSON.parse(process.argv[2]!) as HandshakeConfig).then(
    (result) => process.send!({ type: 'result', result }, () => process.exit(0)),
    (err) => {
      process.stderr.write(`handshake: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
