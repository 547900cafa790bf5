import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import tls from 'node:tls';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, envelope, parseSoap, request, soapPost, V1, V2 } from '../support/http.js';
import { loadCa, pkiFiles } from '../../src/pki/devPki.js';
import { createCa, issueClientCert } from '../../src/pki/certs.js';
import { insertCertificate } from '../../src/pki/store.js';

const OP = '732829320';
const ACTION = `${V1}#deposerSignalisation`;
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let url: string;

function makeCert(opts: Parameters<typeof issueClientCert>[1], ca = loadCa(pkiFiles(t.config.certsDir).clientCaCert, pkiFiles(t.config.certsDir).clientCaKey)) {
  const c = issueClientCert(ca, opts);
  return { key: Buffer.from(c.keyPem), cert: Buffer.from(c.certPem), ca: creds.ca, pem: c.certPem };
}

async function ticketCount(): Promise<number> {
  return (await db.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n;
}

async function expectFault(p: Promise<{ status: number; body: string }>, code: string, faultcode = 'soap:Client') {
  const r = await p;
  expect(r.status).toBe(500);
  const { fault } = parseSoap(r.body);
  expect(fault?.code).toBe(code);
  expect(fault?.faultcode).toBe(faultcode);
  return fault!;
}

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-1', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url });
  url = `${t.base}/ws/signalisation/v1`;
});

afterAll(async () => {
  // The server stayed up through every bad input, and none of them wrote a ticket.
  const health = await fetch(`http://127.0.0.1:${t.gw.adminPort}/health`);
  expect(health.status).toBe(200);
  expect(await ticketCount()).toBe(0);
  await db?.end();
  await t?.close();
});

describe('malformed and hostile XML', () => {
  it('malformed XML: XML_MALFORME with the line of the error', async () => {
    const f = await expectFault(soapPost(url, creds, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n<soapenv:Body><a></b>', ACTION), 'XML_MALFORME');
    expect(f.diagnostics[0]?.['@ligne']).toBe('2');
  });

  it('billion laughs DOCTYPE: refused before parsing', async () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>` + depositXml(V1, '&lol9;').replace(/^<\?xml[^>]*>/, '');
    await expectFault(soapPost(url, creds, lol, ACTION), 'DOCTYPE_INTERDIT');
  });

  it('XXE reference to a local file: refused, the file never echoed', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + depositXml(V1, '&xxe;').replace(/^<\?xml[^>]*>/, '');
    const f = await expectFault(soapPost(url, creds, xxe, ACTION), 'DOCTYPE_INTERDIT');
    expect(JSON.stringify(f)).not.toMatch(/root:/);
  });

  it('UTF-16 body (where a DOCTYPE could hide from a byte scan): refused', async () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(depositXml(V1, 'ETH-1').replace('UTF-8', 'UTF-16'), 'utf16le')]);
    await expectFault(soapPost(url, creds, body, ACTION), 'ENCODAGE_NON_SUPPORTE');
  });

  it('body over the 1 MiB cap: refused (declared length and chunked)', async () => {
    const big = depositXml(V1, 'ETH-1', { comment: 'x'.repeat(1_200_000) });
    const r = await soapPost(url, creds, big, ACTION);
    expect(parseSoap(r.body).fault?.code).toBe('MESSAGE_TROP_VOLUMINEUX');
    expect(r.headers.connection).toBe('close');
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(url, { method: 'POST', key: creds.key, cert: creds.cert, ca: creds.ca, headers: { 'Content-Type': 'text/xml', SOAPAction: `"${ACTION}"`, 'Transfer-Encoding': 'chunked' } }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      for (let i = 0; i < 12; i++) req.write(Buffer.alloc(100_000, 0x20));
      req.end();
    });
    expect(parseSoap(chunked.body).fault?.code).toBe('MESSAGE_TROP_VOLUMINEUX');
  });

  it('gzip body inflating past the cap: refused', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from(depositXml(V1, 'ETH-1').slice(0, 200)), Buffer.alloc(50_000_000, 0x20)]));
    expect(bomb.length).toBeLessThan(1_000_000);
    await expectFault(soapPost(url, creds, bomb, ACTION, { 'Content-Encoding': 'gzip' }), 'MESSAGE_TROP_VOLUMINEUX');
  });

  it('a gzip body within the cap is accepted', async () => {
    const r = await soapPost(url, creds, gzipSync(Buffer.from(depositXml(V1, 'NOPE-GZ'))), ACTION, { 'Content-Encoding': 'gzip' });
    expect(parseSoap(r.body).fault?.code).toBe('PRESTATION_INCONNUE');
  });
});

describe('wrong message for the endpoint', () => {
  it('payload in a foreign namespace', async () => {
    const xml = depositXml('urn:example:autre', 'ETH-1');
    await expectFault(soapPost(url, creds, xml, ACTION), 'ESPACE_DE_NOMS_INCORRECT');
  });

  it('a v1 payload posted to the v2 endpoint', async () => {
    const f = await expectFault(soapPost(`${t.base}/ws/signalisation/v2`, creds, depositXml(V1, 'ETH-1'), `${V2}#deposerSignalisation`), 'VERSION_INCORRECTE');
    expect(f.message).toMatch(/\/ws\/signalisation\/v1/);
  });

  it('unknown operation', async () => {
    const f = await expectFault(soapPost(url, creds, envelope(`<s:supprimerTout xmlns:s="${V1}"/>`), `${V1}#supprimerTout`), 'OPERATION_INCONNUE');
    expect(f.message).toMatch(/deposerSignalisation/);
  });

  it('missing and wrong SOAPAction', async () => {
    await expectFault(soapPost(url, creds, depositXml(V1, 'ETH-1'), undefined), 'SOAPACTION_ABSENTE');
    await expectFault(soapPost(url, creds, depositXml(V1, 'ETH-1'), `${V1}#autre`), 'SOAPACTION_INCORRECTE');
  });

  it('schema violations are listed one diagnostic per error, with the element named', async () => {
    const xml = envelope(`<s:deposerSignalisation xmlns:s="${V1}"><s:identifiantPrestation>ETH-1</s:identifiantPrestation><s:defautDeclare><s:code>bad code</s:code></s:defautDeclare></s:deposerSignalisation>`);
    const f = await expectFault(soapPost(url, creds, xml, ACTION), 'SCHEMA_INVALIDE');
    expect(f.diagnostics.length).toBe(2);
    expect(f.diagnostics[0]!['#text']).toMatch(/code/);
    expect(f.diagnostics[1]!['#text']).toMatch(/libelle/);
  });

  it('non-SOAP bodies: JSON, bare XML, SOAP 1.2', async () => {
    await expectFault(request(url, creds, { method: 'POST', headers: { 'Content-Type': 'application/json', SOAPAction: `"${ACTION}"` }, body: '{"a":1}' }), 'TYPE_CONTENU_INCORRECT');
    await expectFault(soapPost(url, creds, '<hello/>', ACTION), 'ENVELOPPE_SOAP_ABSENTE');
    await expectFault(soapPost(url, creds, '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>', ACTION), 'VERSION_SOAP', 'soap:VersionMismatch');
    await expectFault(soapPost(url, creds, envelope(''), ACTION), 'ENVELOPPE_SOAP_INVALIDE');
  });

  it('mustUnderstand header the service does not know', async () => {
    const xml = depositXml(V1, 'ETH-1').replace('<soapenv:Body>', '<soapenv:Header><x:secret xmlns:x="urn:x" soapenv:mustUnderstand="1">1</x:secret></soapenv:Header><soapenv:Body>');
    await expectFault(soapPost(url, creds, xml, ACTION), 'ENTETE_NON_COMPRISE', 'soap:MustUnderstand');
  });

  it('unknown version and unknown service', async () => {
    const f = await expectFault(soapPost(`${t.base}/ws/signalisation/v9`, creds, depositXml(V1, 'ETH-1'), ACTION), 'VERSION_INCONNUE');
    expect(f.message).toMatch(/v1, v2/);
    await expectFault(soapPost(`${t.base}/ws/nimporte/v1`, creds, depositXml(V1, 'ETH-1'), ACTION), 'SERVICE_INCONNU');
    // Any POST under /ws/ answers a SOAP fault, never a bare 404: wrong case, missing version, deeper paths.
    const upper = await expectFault(soapPost(`${t.base}/ws/SIGNALISATION/V1`, creds, depositXml(V1, 'ETH-1'), ACTION), 'SERVICE_INCONNU');
    expect(upper.message).toContain('/ws/signalisation/v1');
    await expectFault(soapPost(`${t.base}/ws/signalisation`, creds, depositXml(V1, 'ETH-1'), ACTION), 'VERSION_INCONNUE');
    await expectFault(soapPost(`${t.base}/ws/signalisation/v1/extra`, creds, depositXml(V1, 'ETH-1'), ACTION), 'SERVICE_INCONNU');
    expect((await request(`${t.base}/ws/signalisation/v9?wsdl`, creds)).status).toBe(404);
  });
});

describe('client certificates', () => {
  function handshake(c: { key?: Buffer; cert?: Buffer; ca: Buffer }): Promise<string> {
    return request(url, c, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: `"${ACTION}"` }, body: depositXml(V1, 'ETH-1') }).then(
      (r) => `answered ${r.status} ${parseSoap(r.body).fault?.code}`,
      (err: NodeJS.ErrnoException) => `refused ${err.code ?? err.message}`,
    );
  }

  it('no client certificate: the handshake fails', async () => {
    expect(await handshake({ ca: creds.ca })).toMatch(/^refused/);
  });

  it('a certificate from another CA: the handshake fails', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav' }, createCa('Rogue CA'));
    expect(await handshake(c)).toMatch(/^refused/);
  });

  it('an expired certificate, registered: the handshake fails', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav', notBefore: new Date(Date.now() - 20 * 86400e3), notAfter: new Date(Date.now() - 86400e3) });
    await insertCertificate(db, { siren: OP, scope: 'esav', pem: c.pem, source: 'provider' });
    expect(await handshake(c)).toMatch(/^refused/);
  });

  it('a certificate of our CA that was never registered: CERTIFICAT_INCONNU', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav' });
    expect(await handshake(c)).toBe('answered 500 CERTIFICAT_INCONNU');
  });

  it('a certificate without the clientAuth usage is refused', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav', withoutClientAuth: true });
    await insertCertificate(db, { siren: OP, scope: 'esav', pem: c.pem, source: 'provider' });
    // OpenSSL checks the purpose at the handshake (sslclient); our own check backs it up.
    expect(await handshake(c)).toMatch(/^refused|^answered 500 CERTIFICAT_USAGE_INCORRECT$/);
  });

  it('an ftth certificate cannot deposit on a non-FTTH prestation', async () => {
    const ftth = t.issue(OP, 'ftth');
    expect(await handshake(ftth)).toBe('answered 500 PERIMETRE_CERTIFICAT');
  });

  it('a revoked certificate is refused on the next request, and its open connections are closed', async () => {
    const c = t.issue(OP, 'esav');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, key: c.key, cert: c.cert, ca: c.ca });
    const first = await soapPost(url, c, depositXml(V1, 'NOPE-1'), ACTION, {}, agent);
    expect(parseSoap(first.body).fault?.code).toBe('PRESTATION_INCONNUE');
    const sockets = Object.values(agent.freeSockets).flat();
    expect(sockets.length).toBe(1);
    const closed = new Promise<void>((resolve) => sockets[0]!.once('close', () => resolve()));
    esavOk(t.env, 'cert', 'revoke', '--fingerprint', c.fingerprint.replace(/(..)(?!$)/g, '$1:').toUpperCase());
    await closed;
    const next = await soapPost(url, c, depositXml(V1, 'ETH-1'), ACTION, {}, agent);
    expect(parseSoap(next.body).fault?.code).toBe('CERTIFICAT_REVOQUE');
    agent.destroy();
  });

  it('TLS sessions are never resumed (a resumed session would skip certificate checks)', async () => {
    const connect = (session?: Buffer) =>
      new Promise<{ reused: boolean; session?: Buffer }>((resolve, reject) => {
        let ticket: Buffer | undefined;
        const s = tls.connect({ host: '127.0.0.1', port: t.gw.port, servername: 'localhost', key: creds.key, cert: creds.cert, ca: creds.ca, session }, () => {
          s.write('GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
        });
        s.on('session', (sess: Buffer) => (ticket = sess));
        s.on('data', () => undefined);
        s.on('end', () => resolve({ reused: s.isSessionReused(), session: ticket ?? s.getSession() }));
        s.on('error', reject);
      });
    const a = await connect();
    const b = await connect(a.session);
    expect(b.reused).toBe(false);
  });

  it('the CLI explains bad flags on stderr with a non-zero exit', async () => {
    const { esav } = await import('../support/cli.js');
    const r = esav(t.env, 'cert', 'issue', '--operator', '12', '--scope', 'esav', '--out', join(t.dir, 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/SIREN of 9 digits/);
  });
});
