import { afterEach, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net, { type Socket } from 'node:net';
import { ConnectionDispatcher, HandedConnections, type HandoffTarget } from '../../src/transport/handoff.js';

// esav serve's port sharing (src/transport/handoff.ts): one process accepts, every process serves.
// Here the "processes" are two http servers of this one; the IPC leg is covered end to end
// (test/e2e/metricsCluster.e2e.test.ts, test/e2e/clusterStart.e2e.test.ts).

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function server(name: string, opts: { headersTimeout?: number } = {}): http.Server {
  const s = http.createServer({ connectionsCheckingInterval: 100, headersTimeout: opts.headersTimeout, requestTimeout: 0 }, (_req, res) => res.end(name));
  s.keepAliveTimeout = 5000;
  return s;
}

function target(id: number, handed: HandedConnections): HandoffTarget {
  return { id, take: (socket, done) => (handed.accept(socket), done(null)) };
}

async function dispatcher(): Promise<{ d: ConnectionDispatcher; port: number; errors: Error[] }> {
  const errors: Error[] = [];
  const d = new ConnectionDispatcher((err, during) => errors.push(new Error(`${during}: ${err.message}`)));
  const port = await d.listen(0, '127.0.0.1');
  cleanups.push(() => d.close());
  return { d, port, errors };
}

/** One GET on a fresh connection: the body names the server that answered. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** A raw connection; resolves with when it was closed by the other side (ms after open) and what it read. */
function raw(port: number, write: string): Promise<{ closedAfterMs: number; read: string }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let read = '';
    const s: Socket = net.connect(port, '127.0.0.1', () => s.write(write));
    s.on('data', (c: Buffer) => (read += c));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ closedAfterMs: Date.now() - t0, read }));
  });
}

describe('ConnectionDispatcher', () => {
  it('hands connections to its targets in turn', async () => {
    const { d, port } = await dispatcher();
    const a = server('a');
    const b = server('b');
    const ha = new HandedConnections(a, 100);
    const hb = new HandedConnections(b, 100);
    cleanups.push(() => ha.close(0), () => hb.close(0));
    d.add(target(0, ha));
    d.add(target(1, hb));
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await get(port));
    expect(answers).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('holds connections until a target is ready, then serves them', async () => {
    const { d, port } = await dispatcher();
    const pending = get(port);
    await new Promise((r) => setTimeout(r, 100));
    const a = server('late');
    const ha = new HandedConnections(a, 100);
    cleanups.push(() => ha.close(0));
    d.add(target(0, ha));
    expect(await pending).toBe('late');
  });

  it('gives the connection to the next target when one cannot take it (a process gone)', async () => {
    const { d, port, errors } = await dispatcher();
    const b = server('b');
    const hb = new HandedConnections(b, 100);
    cleanups.push(() => hb.close(0));
    d.add({ id: 0, take: (_socket, done) => done(new Error('process 123 is gone')) });
    d.add(target(1, hb));
    expect([await get(port), await get(port)]).toEqual(['b', 'b']);
    expect(errors.map((e) => e.message)).toEqual(['handoff: process 123 is gone', 'handoff: process 123 is gone']);
  });

  it('after remove(), the target gets no more connections', async () => {
    const { d, port } = await dispatcher();
    const ha = new HandedConnections(server('a'), 100);
    const hb = new HandedConnections(server('b'), 100);
    cleanups.push(() => ha.close(0), () => hb.close(0));
    d.add(target(0, ha));
    d.add(target(1, hb));
    d.remove(1);
    expect([await get(port), await get(port), await get(port)]).toEqual(['a', 'a', 'a']);
  });
});

describe('HandedConnections', () => {
  it('keeps node\'s headers timeout on handed connections (slow-loris): the connection is answered 408 and closed', async () => {
    const { d, port } = await dispatcher();
    const ha = new HandedConnections(server('a', { headersTimeout: 400 }), 100);
    cleanups.push(() => ha.close(0));
    d.add(target(0, ha));
    const r = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n'); // never ends its headers
    expect(r.read).toMatch(/^HTTP\/1\.1 408/);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(350);
    expect(r.closedAfterMs).toBeLessThan(3000);
  });

  it('closes connections over its cap at once, and takes new ones when others have closed', async () => {
    const { d, port } = await dispatcher();
    const ha = new HandedConnections(server('a'), 1);
    cleanups.push(() => ha.close(0));
    d.add(target(0, ha));
    const first = net.connect(port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    for (let i = 0; i < 50 && ha.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ha.size).toBe(1);
    const second = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(second.read).toBe('');
    first.destroy();
    for (let i = 0; i < 50 && ha.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await get(port)).toBe('a');
  });

  it('close() takes no more connections, closes idle ones, and resolves once all are gone', async () => {
    const { d, port } = await dispatcher();
    const ha = new HandedConnections(server('a'), 10);
    d.add(target(0, ha));
    // An idle keep-alive connection after one answer.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await new Promise<void>((resolve) => http.get({ host: '127.0.0.1', port, agent }, (res) => res.resume().on('end', () => resolve())));
    expect(ha.size).toBe(1);
    const t0 = Date.now();
    await ha.close(5000);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(ha.size).toBe(0);
    const after = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(after.read).toBe('');
    agent.destroy();
  });
});
