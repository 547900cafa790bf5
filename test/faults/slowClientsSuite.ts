import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk, PROJECT_ROOT } from '../support/cli.js';
import { depositXml, parseSoap, V1 } from '../support/http.js';
import { atMost, mapLimit, sleep, timedRequest, timedSoapPost } from '../support/load.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../../src/main.js';

// Issue #8, slow clients and connection storms. The gateway runs with the limits shortened (the
// mechanism is the same as in production, docs/scaling.md gives the production values) so that
// the cuts can be watched within a short test.
const OP = '552081333';
const LIMITS: ServerLimits = { handshakeTimeoutMs: 2000, headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 3000, idleTimeoutMs: 3000, maxConnections: 1000 };
// Node checks headers/request timeouts once a second (connectionsCheckingInterval); a loaded 2-core machine adds its own delay.
const SLACK_MS = 5000;
const ACTION = `${V1}#deposerSignalisation`;

/**
 * The suite, run twice (slowClients.test.ts, slowClientsHanded.test.ts): on a gateway that listens
 * itself (one process) and on one fed connections by a dispatcher, as every process of a
 * several-process esav serve is (src/transport/handoff.ts).
 */
export function slowClientsSuite(handedConnections: boolean): void {
  let t: TestGateway;
  let creds: ClientCreds;

  interface Held {
    opened: number;
    closedAt?: number;
    received: string;
    closed: Promise<void>;
  }

  function hold(socket: net.Socket, opened: number): Held {
    const h: Held = { opened, received: '', closed: Promise.resolve() };
    h.closed = new Promise<void>((resolve) => {
      socket.on('data', (d: Buffer) => (h.received += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        h.closedAt = Date.now();
        resolve();
      });
    });
    return h;
  }

  /** A TLS connection with a valid client certificate, handshake done, then whatever `after` does. */
  function tlsConnect(): Promise<{ socket: tls.TLSSocket; held: Held }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: t.gw.port, servername: 'localhost', key: creds.key, cert: creds.cert, ca: creds.ca }, () => {
        resolve({ socket, held: hold(socket, Date.now()) });
      });
      socket.once('error', reject);
    });
  }

  /** Writes `data` one byte every `everyMs` until the socket closes (or the data ends). */
  async function trickle(socket: net.Socket, data: string, everyMs: number): Promise<void> {
    for (let i = 0; i < data.length && !socket.destroyed; i++) {
      socket.write(data[i]!);
      await sleep(everyMs);
    }
  }

  const within = (h: Held, bound: number) => [h.closedAt !== undefined, h.closedAt !== undefined && h.closedAt - h.opened >= bound - 250, h.closedAt !== undefined && h.closedAt - h.opened <= bound + SLACK_MS];

  beforeAll(async () => {
    t = await startTestGateway({}, { limits: LIMITS, handedConnections });
    creds = t.issue(OP, 'esav');
    esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-SLOW-1', '--offer', 'ETH_ENTREPRISE');
  });

  afterAll(async () => {
    await t?.close();
  });

  describe(`slow clients and connection storms (${handedConnections ? 'connections handed over by the port\'s dispatcher' : 'the gateway listens itself'})`, () => {
    it('production limits are the documented ones', () => {
      expect(DEFAULT_SERVER_LIMITS).toEqual({ handshakeTimeoutMs: 10_000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 60_000, idleTimeoutMs: 120_000, maxConnections: 4096 });
      const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'scaling.md'), 'utf8');
      for (const phrase of ['handshake: 10 s', 'headers: 10 s', 'request: 30 s', 'keep-alive: 60 s', 'idle: 120 s', '4,096 connections']) expect(doc).toContain(phrase);
    });

    it('200 idle TLS connections, 20 slow-loris requests and 30 silent TCP connections do not starve a normal client; each is cut after its limit', async () => {
      // 200 idle TLS connections (valid certificate, never a request), opened in bursts of 50 handshakes.
      const idle: Held[] = [];
      const idleSockets: tls.TLSSocket[] = [];
      await mapLimit(Array.from({ length: 200 }), 50, async () => {
        const c = await tlsConnect();
        idle.push(c.held);
        idleSockets.push(c.socket);
      });
      // 30 TCP connections that never start the TLS handshake.
      const silent = await Promise.all(Array.from({ length: 30 }, () => new Promise<{ s: net.Socket; held: Held }>((resolve) => {
        const s = net.connect(t.gw.port, '127.0.0.1', () => resolve({ s, held: hold(s, Date.now()) }));
      })));
      // 10 slow-loris on the headers (one byte every 100 ms, never finishing them)...
      const slowHeaders: Held[] = [];
      const trickles: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        const c = await tlsConnect();
        slowHeaders.push(c.held);
        trickles.push(trickle(c.socket, `POST /ws/signalisation/v1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(500)}`, 100));
      }
      // ...and 10 on the body (headers at once, then one byte every 100 ms of a 2,000-byte body).
      const slowBodies: Held[] = [];
      for (let i = 0; i < 10; i++) {
        const c = await tlsConnect();
        slowBodies.push(c.held);
        c.socket.write(`POST /ws/signalisation/v1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: "${ACTION}"\r\nContent-Length: 2000\r\n\r\n`);
        trickles.push(trickle(c.socket, depositXml(V1, 'ETH-SLOW-1').padEnd(2000, ' '), 100));
      }

      // Meanwhile a normal client, a new connection per call, is answered promptly, every time.
      const normal: number[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await timedSoapPost(`${t.base}/ws/signalisation/v1`, creds, depositXml(V1, 'ETH-SLOW-1'), ACTION, { timeoutMs: 15_000 });
        expect([r.status, r.error]).toEqual([200, undefined]);
        expect(parseSoap(r.body!).payload!.deposerSignalisationReponse.etat).toBe('EN_DEPOT');
        normal.push(r.ms);
      }
      // A burst of 60 new handshakes at once: all answered.
      const burst = await Promise.all(Array.from({ length: 60 }, () => timedRequest(`${t.base}/ws`, creds, { method: 'GET', timeoutMs: 15_000 })));
      for (const r of burst) expect([r.status, r.error]).toEqual([200, undefined]);
      for (const ms of normal) expect(ms).toBeLessThan(5000);

      // Every held connection is cut by the server after its limit (bounded wait).
      await atMost(Promise.all([...idle, ...slowHeaders, ...slowBodies, ...silent.map((x) => x.held)].map((h) => h.closed)), LIMITS.requestTimeoutMs + 2 * SLACK_MS);
      // Node counts the headers timeout from the connection's start: a connection that never sends
      // a request is cut by it (the idle timeout is the backstop for a stalled request or response).
      for (const h of idle) expect(within(h, LIMITS.headersTimeoutMs)).toEqual([true, true, true]);
      for (const h of silent.map((x) => x.held)) expect(within(h, LIMITS.handshakeTimeoutMs)).toEqual([true, true, true]);
      for (const h of slowHeaders) {
        expect(within(h, LIMITS.headersTimeoutMs)).toEqual([true, true, true]);
        expect(h.received).toMatch(/^HTTP\/1\.1 408 /);
      }
      for (const h of slowBodies) {
        expect(within(h, LIMITS.requestTimeoutMs)).toEqual([true, true, true]);
        expect(h.received).toMatch(/^HTTP\/1\.1 408 /);
      }
      await Promise.all(trickles);
      for (const s of idleSockets) s.destroy();

      // A keep-alive connection is closed after keepAliveTimeout once its answer was sent.
      const c = await tlsConnect();
      c.socket.write('GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await waitReceived(c.held, /\r\n\r\n/);
      const answered = Date.now();
      await atMost(c.held.closed, LIMITS.keepAliveTimeoutMs + SLACK_MS);
      expect(c.held.closedAt).toBeDefined();
      expect(c.held.closedAt! - answered).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs - 250);

      // Nothing was written by the cut requests: only the normal client's 10 deposits exist.
      const health = await fetch(`http://127.0.0.1:${t.gw.adminPort}/health`);
      expect(health.status).toBe(200);
      expect((await t.gw.db.pool.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n).toBe(10);
      const max = (xs: number[]) => Math.max(...xs.map((x) => Math.round(x)));
      console.log(`slow clients: normal calls max ${max(normal)} ms, burst of 60 handshakes max ${max(burst.map((r) => r.ms))} ms; cut after: idle ${max(idle.map((h) => h.closedAt! - h.opened))} ms, silent TCP ${max(silent.map((x) => x.held.closedAt! - x.held.opened))} ms, slow headers ${max(slowHeaders.map((h) => h.closedAt! - h.opened))} ms, slow bodies ${max(slowBodies.map((h) => h.closedAt! - h.opened))} ms`);
    }, 60_000);

    it('connections past maxConnections are closed at once, and service resumes when they go', async () => {
      const small = await startTestGateway({ DATABASE_URL: t.env.DATABASE_URL, ESAV_CERTS_DIR: t.env.ESAV_CERTS_DIR }, { limits: { ...LIMITS, maxConnections: 20, idleTimeoutMs: 60_000 }, handedConnections });
      try {
        const sockets = await Promise.all(Array.from({ length: 20 }, () => new Promise<net.Socket>((resolve) => {
          const s = net.connect(small.gw.port, '127.0.0.1', () => resolve(s));
          s.on('error', () => undefined);
        })));
        await sleep(200);
        const refused = await timedRequest(`${small.base}/ws`, creds, { method: 'GET', timeoutMs: 15_000 });
        expect(refused.error).toBeDefined();
        for (const s of sockets) s.destroy();
        await sleep(500);
        const ok = await timedRequest(`${small.base}/ws`, creds, { method: 'GET', timeoutMs: 15_000 });
        expect(ok.status).toBe(200);
      } finally {
        await small.close();
      }
    }, 60_000);
  });

  async function waitReceived(h: Held, re: RegExp): Promise<void> {
    for (let i = 0; i < 100 && !re.test(h.received); i++) await sleep(50);
  }
}
