import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { bufferedBody, readBody } from '../../src/guards/body.js';
import { SoapFault } from '../../src/soap/faults.js';

// Two ways in: the body already whole in the parser when the pipeline reads it (the usual call:
// bufferedBody, or readBody's own shortcut), and the streamed one. Both must give the same bytes
// and the same faults.
const LIMIT = 4096;
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    // As the pipeline: the guards run (a few awaits) before the body is read.
    void (async () => {
      await new Promise((r) => setImmediate(r));
      const wasComplete = req.complete;
      try {
        // As the pipeline reads it: at once when it can, else streamed.
        const now = bufferedBody(req, LIMIT);
        const body = now ?? (await readBody(req, LIMIT));
        res.writeHead(200, { 'X-At-Once': String(now !== undefined), 'X-Was-Complete': String(wasComplete), 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) }).end(body);
      } catch (err) {
        const f = err as SoapFault;
        res.writeHead(413, { 'X-Was-Complete': String(wasComplete), 'X-Code': f.code ?? 'none', ...(f.closeConnection ? { Connection: 'close' } : {}) }).end();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Raw HTTP/1.1 over one socket: each request's parts written with a pause between them. */
async function exchange(requests: Array<Array<Buffer | string>>, pauseMs = 0): Promise<Array<{ status: number; headers: Record<string, string>; body: Buffer }>> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  const answers: Array<{ status: number; headers: Record<string, string>; body: Buffer }> = [];
  for (const parts of requests) {
    for (const [i, p] of parts.entries()) {
      if (i > 0 && pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      socket.write(p);
    }
    // Wait for one whole answer (Content-Length framing).
    for (;;) {
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd >= 0) {
        const head = received.subarray(0, headEnd).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        if (received.length >= headEnd + 4 + length) {
          answers.push({ status: Number(head[0]!.split(' ')[1]), headers, body: received.subarray(headEnd + 4, headEnd + 4 + length) });
          received = received.subarray(headEnd + 4 + length);
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  socket.destroy();
  return answers;
}

const post = (body: Buffer, extra = ''): string => `POST /ws/x/v1 HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n${extra}\r\n`;
const chunked = (parts: Buffer[]): Array<Buffer | string> => [
  'POST /ws/x/v1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n',
  ...parts.map((p) => Buffer.concat([Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')])),
  '0\r\n\r\n',
];

describe('readBody', () => {
  const body = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><e>' + 'é'.repeat(300) + '</e>');

  it('reads a body that arrived whole, and the keep-alive connection serves the next request', async () => {
    const [a, b] = await exchange([[Buffer.concat([Buffer.from(post(body)), body])], [Buffer.concat([Buffer.from(post(body)), body])]]);
    for (const r of [a!, b!]) {
      expect(r.status).toBe(200);
      expect(r.headers['x-was-complete']).toBe('true');
      expect(r.headers['x-at-once']).toBe('true');
      expect(r.body.equals(body)).toBe(true);
    }
  });

  it('reads a body that is still arriving, the same bytes', async () => {
    const [a] = await exchange([[post(body), body.subarray(0, 100), body.subarray(100, 400), body.subarray(400)]], 30);
    expect(a!.status).toBe(200);
    expect(a!.headers['x-was-complete']).toBe('false');
    expect(a!.headers['x-at-once']).toBe('false');
    expect(a!.body.equals(body)).toBe(true);
  });

  it('reads an empty body either way', async () => {
    const [a] = await exchange([[post(Buffer.alloc(0))]]);
    expect(a!.status).toBe(200);
    expect(a!.body.length).toBe(0);
  });

  it('inflates a gzip body that arrived whole', async () => {
    const gz = gzipSync(body);
    const [a] = await exchange([[Buffer.concat([Buffer.from(post(gz, 'Content-Encoding: gzip\r\n')), gz])]]);
    expect(a!.headers['x-was-complete']).toBe('true');
    expect(a!.headers['x-at-once']).toBe('false'); // compressed: readBody inflates it
    expect(a!.body.equals(body)).toBe(true);
  });

  it('refuses a chunked body over the cap, whole or arriving, and closes the connection', async () => {
    const big = Buffer.alloc(LIMIT + 1, 0x61);
    const [whole] = await exchange([[Buffer.concat(chunked([big]).map((p) => Buffer.from(p)))]]);
    expect(whole!.headers['x-was-complete']).toBe('true');
    const [arriving] = await exchange([chunked([big.subarray(0, 10), big.subarray(10)])], 30);
    expect(arriving!.headers['x-was-complete']).toBe('false');
    for (const r of [whole!, arriving!]) {
      expect(r.status).toBe(413);
      expect(r.headers['x-code']).toBe('MESSAGE_TROP_VOLUMINEUX');
      expect(r.headers.connection).toBe('close');
    }
  });

  it('reads a chunked body of several chunks that arrived whole', async () => {
    const [a] = await exchange([[Buffer.concat(chunked([body.subarray(0, 50), body.subarray(50)]).map((p) => Buffer.from(p)))]]);
    expect(a!.headers['x-was-complete']).toBe('true');
    expect(a!.headers['x-at-once']).toBe('true');
    expect(a!.body.equals(body)).toBe(true);
  });

  it('reads a body with Content-Encoding: identity spelled out at once too', async () => {
    const [a] = await exchange([[Buffer.concat([Buffer.from(post(body, 'Content-Encoding: Identity\r\n')), body])]]);
    expect(a!.status).toBe(200);
    expect(a!.headers['x-at-once']).toBe('true');
    expect(a!.body.equals(body)).toBe(true);
  });

  it('leaves a body declared over the cap to readBody, which refuses it before reading', async () => {
    const big = Buffer.alloc(LIMIT + 1, 0x61);
    const [a] = await exchange([[Buffer.concat([Buffer.from(post(big)), big])]]);
    expect(a!.status).toBe(413);
    expect(a!.headers['x-code']).toBe('MESSAGE_TROP_VOLUMINEUX');
    expect(a!.headers.connection).toBe('close');
  });
});
