import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseAnswer, RawConnection } from '../../bench/rawClient.js';
import { createCa, issueClientCert, issueServerCert } from '../../src/pki/certs.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('bench client: reading an answer', () => {
  it('Content-Length: undefined until the body is whole, then status and body (UTF-8)', () => {
    const whole = Buffer.concat([b('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\n'), Buffer.from('été')]);
    for (let cut = 0; cut < whole.length; cut++) expect(parseAnswer(whole.subarray(0, cut))).toBeUndefined();
    expect(parseAnswer(whole)).toEqual({ status: 200, body: 'été', close: false });
  });

  it('chunked: the chunks joined, once the last chunk and its empty line are in', () => {
    const whole = b('HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n');
    for (let cut = 0; cut < whole.length; cut++) expect(parseAnswer(whole.subarray(0, cut))).toBeUndefined();
    expect(parseAnswer(whole)).toEqual({ status: 500, body: 'abc0123456789', close: true });
  });

  it('refuses what it cannot frame: not HTTP, bytes after the answer, no length, a bad chunk size, a head over 64 KiB', () => {
    expect(parseAnswer(b('SSH-2.0-x\r\n\r\n'))).toBeInstanceOf(Error);
    expect(parseAnswer(b('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab'))).toBeInstanceOf(Error);
    expect(parseAnswer(b('HTTP/1.1 200 OK\r\n\r\nabc'))).toBeInstanceOf(Error);
    expect(parseAnswer(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toBeInstanceOf(Error);
    expect(parseAnswer(Buffer.alloc(70_000, 'a'))).toBeInstanceOf(Error);
  });
});

describe('bench client: one keep-alive mTLS connection', () => {
  let server: https.Server;
  let port = 0;
  let tlsOpts: { key: string; cert: string; ca: string };
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    const ca = createCa('bench client test CA');
    const srv = issueServerCert(ca, ['localhost'], ['127.0.0.1']);
    const client = issueClientCert(ca, { siren: '552100554', operatorName: 'Bench', scope: 'esav' });
    tlsOpts = { key: client.keyPem, cert: client.certPem, ca: ca.certPem };
    server = https.createServer({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.url === '/slow') return; // never answered: the client's bound must end it
        if (req.url === '/chunked') {
          res.write(`len=${req.headers['content-length']};`);
          res.end(`action=${req.headers.soapaction};${body}`);
          return;
        }
        res.writeHead(200, req.url === '/close' ? { Connection: 'close' } : {});
        res.end(`${req.method} ${req.url} ${body}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const connection = (timeoutMs = 5000) => new RawConnection({ host: '127.0.0.1', port, servername: 'localhost', ...tlsOpts, rejectUnauthorized: true }, timeoutMs);

  it('sends requests one after the other on one connection, Content-Length and headers as given, Buffer or string bodies', async () => {
    const c = connection();
    sockets.clear();
    try {
      expect(await c.request('POST', '/a', { soapaction: '"x"' }, 'é1')).toEqual({ status: 200, body: 'POST /a é1' });
      expect(await c.request('POST', '/b', {}, Buffer.from('<x/>'))).toEqual({ status: 200, body: 'POST /b <x/>' });
      expect(await c.request('POST', '/chunked', { SOAPAction: '"y"' }, 'zz')).toEqual({ status: 200, body: 'len=2;action="y";zz' });
      expect(sockets.size).toBe(1);
    } finally {
      c.close();
    }
  });

  it('a Connection: close answer is read whole, and the next request opens a new connection', async () => {
    const c = connection();
    sockets.clear();
    try {
      expect(await c.request('POST', '/close', {}, '1')).toEqual({ status: 200, body: 'POST /close 1' });
      expect(await c.request('POST', '/a', {}, '2')).toEqual({ status: 200, body: 'POST /a 2' });
      expect(sockets.size).toBe(2);
    } finally {
      c.close();
    }
  });

  it('an answer that does not come within the bound rejects, and the connection is replaced', async () => {
    const c = connection(300);
    try {
      await expect(c.request('POST', '/slow', {}, '')).rejects.toThrow(/no complete answer within 300 ms/);
      expect(await c.request('POST', '/a', {}, 'after')).toEqual({ status: 200, body: 'POST /a after' });
    } finally {
      c.close();
    }
  });

  it('a server that refuses the client certificate: the request rejects', async () => {
    const other = createCa('another CA');
    const stranger = issueClientCert(other, { siren: '552100554', operatorName: 'Bench', scope: 'esav' });
    const c = new RawConnection({ host: '127.0.0.1', port, servername: 'localhost', key: stranger.keyPem, cert: stranger.certPem, ca: tlsOpts.ca, rejectUnauthorized: true }, 5000);
    try {
      await expect(c.request('POST', '/a', {}, 'x')).rejects.toThrow();
    } finally {
      c.close();
    }
  });
});
