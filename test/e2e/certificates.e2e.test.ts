import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, parseSoap, request, soapPost, V1 } from '../support/http.js';
import { loadCa, pkiFiles } from '../../src/pki/devPki.js';
import { createCa, issueClientCert, type CaMaterial } from '../../src/pki/certs.js';
import { insertCertificate } from '../../src/pki/store.js';

// Handshake-level matrix of client certificates, with real TLS and the real CLI.
const OP = '443061841';
const OTHER = '552081317';
const ACTION = `${V1}#deposerSignalisation`;
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let url: string;

function providerCa(): CaMaterial {
  const f = pkiFiles(t.config.certsDir);
  return loadCa(f.clientCaCert, f.clientCaKey);
}

function makeCert(opts: Parameters<typeof issueClientCert>[1], ca: CaMaterial = providerCa()) {
  const c = issueClientCert(ca, opts);
  return { key: Buffer.from(c.keyPem), cert: Buffer.from(c.certPem), ca: creds.ca, pem: c.certPem };
}

/** What one deposit attempt gives: 'refused <code>' at the handshake, or the answer's fault code. */
function attempt(c: { key?: Buffer; cert?: Buffer; ca: Buffer }, prestation = 'ETH-1', agent?: https.Agent): Promise<string> {
  return soapPost(url, c, depositXml(V1, prestation), ACTION, {}, agent).then(
    (r) => `answered ${r.status} ${parseSoap(r.body).fault?.code ?? 'ok'}`,
    (err: NodeJS.ErrnoException) => `refused ${err.code ?? err.message}`,
  );
}

async function eventually(fn: () => Promise<string>, want: RegExp, tries = 100): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (want.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'operator', 'add', '--siren', OTHER, '--name', 'Autre');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-1', '--offer', 'ETH_ENTREPRISE');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-1', '--offer', 'FTTH_ACCES');
  db = new pg.Pool({ connectionString: t.db.url });
  url = `${t.base}/ws/signalisation/v1`;
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('client certificates at the handshake', () => {
  it('an active provider certificate deposits', async () => {
    expect(await attempt(creds)).toBe('answered 200 ok');
  });

  it('expired: refused at the handshake', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav', notBefore: new Date(Date.now() - 30 * 86400e3), notAfter: new Date(Date.now() - 60e3) });
    // Registered, so only the validity check can refuse it.
    await insertCertificate(db, { siren: OP, scope: 'esav', pem: c.pem, source: 'provider' });
    expect(await attempt(c)).toMatch(/^refused /);
  });

  it('not yet valid: refused at the handshake', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav', notBefore: new Date(Date.now() + 2 * 86400e3), notAfter: new Date(Date.now() + 300 * 86400e3) });
    await insertCertificate(db, { siren: OP, scope: 'esav', pem: c.pem, source: 'provider' });
    expect(await attempt(c)).toMatch(/^refused /);
  });

  it('without the clientAuth usage: refused (handshake purpose check or CERTIFICAT_USAGE_INCORRECT)', async () => {
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav', withoutClientAuth: true });
    expect(await attempt(c)).toMatch(/^refused |^answered 500 CERTIFICAT_USAGE_INCORRECT$/);
  });

  it('from an unknown CA: refused at the handshake, and cannot be registered', async () => {
    const rogue = createCa('Rogue CA');
    const c = makeCert({ siren: OP, operatorName: 'x', scope: 'esav' }, rogue);
    expect(await attempt(c)).toMatch(/^refused /);
    const file = join(t.dir, 'rogue.pem');
    writeFileSync(file, c.pem);
    const r = esav(t.env, 'cert', 'register', '--operator', OP, '--scope', 'esav', '--file', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not an approved CA/);
  });

  it('from an approved recognised CA: trusted without restart once approved and registered', async () => {
    const recognised = createCa('Autorite Reconnue Exemple');
    const c = makeCert({ siren: OP, operatorName: 'Op', scope: 'esav' }, recognised);
    expect(await attempt(c)).toMatch(/^refused /);
    const caFile = join(t.dir, 'recognised-ca.pem');
    writeFileSync(caFile, recognised.certPem);
    expect(esavOk(t.env, 'ca', 'approve', '--file', caFile)).toMatch(/CA approved/);
    expect(esavOk(t.env, 'ca', 'list')).toMatch(/recognised\tCN=Autorite Reconnue Exemple/);
    // Trusted by TLS now (NOTIFY esav_tls -> new context), but not registered: CERTIFICAT_INCONNU.
    expect(await eventually(() => attempt(c), /^answered/)).toBe('answered 500 CERTIFICAT_INCONNU');
    const file = join(t.dir, 'recognised-client.pem');
    writeFileSync(file, c.pem);
    expect(esavOk(t.env, 'cert', 'register', '--operator', OP, '--scope', 'esav', '--file', file)).toMatch(/registered/);
    expect(await attempt(c)).toBe('answered 200 ok');
    expect(esavOk(t.env, 'cert', 'list', '--operator', OP)).toMatch(/\tactive\trecognised\t/);
    // Removing the approval takes the CA out of the TLS trust list again.
    const caFp = /fingerprint ([0-9a-f]{64})/.exec(esavOk(t.env, 'ca', 'list').split('\n').find((l) => l.includes('recognised'))!.replace(/^([0-9a-f]{64}).*/, 'fingerprint $1'))![1]!;
    esavOk(t.env, 'ca', 'unapprove', '--fingerprint', caFp);
    expect(await eventually(() => attempt(c), /^refused/)).toMatch(/^refused /);
  });

  it('a revoked certificate: refused on the next request, its open connection closed, listed in the CRL', async () => {
    const c = t.issue(OP, 'esav');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, key: c.key, cert: c.cert, ca: c.ca });
    expect(await attempt(c, 'ETH-1', agent)).toBe('answered 200 ok');
    const [socket] = Object.values(agent.freeSockets).flat();
    const closed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    esavOk(t.env, 'cert', 'revoke', '--fingerprint', c.fingerprint, '--reason', 'clé compromise');
    await closed;
    expect(await attempt(c, 'ETH-1', agent)).toBe('answered 500 CERTIFICAT_REVOQUE');
    agent.destroy();
    const crl = await (await fetch(`http://127.0.0.1:${t.gw.adminPort}/pki/crl.pem`)).text();
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----/);
    const { serial } = (await db.query('SELECT serial FROM certificates WHERE fingerprint = $1', [c.fingerprint])).rows[0];
    const { X509Certificate } = await import('node:crypto');
    expect(new X509Certificate(c.cert).serialNumber.toLowerCase()).toBe(serial);
  });

  it('scope mismatch: an esav certificate on an FTTH prestation, an ftth one elsewhere', async () => {
    expect(await attempt(creds, 'FTTH-1')).toBe('answered 500 PERIMETRE_CERTIFICAT');
    const ftth = t.issue(OP, 'ftth');
    expect(await attempt(ftth, 'ETH-1')).toBe('answered 500 PERIMETRE_CERTIFICAT');
  });

  it('a suspended operator: every certificate refused at once, open connections closed, until resumed', async () => {
    const a = t.issue(OTHER, 'esav');
    const b = t.issue(OTHER, 'ftth');
    esavOk(t.env, 'prestation', 'add', '--operator', OTHER, '--id', 'ETH-2', '--offer', 'ETH_ENTREPRISE');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, key: a.key, cert: a.cert, ca: a.ca });
    expect(await attempt(a, 'ETH-2', agent)).toBe('answered 200 ok');
    const [socket] = Object.values(agent.freeSockets).flat();
    const closed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    expect(esavOk(t.env, 'operator', 'suspend', '--siren', OTHER, '--reason', 'incident de sécurité')).toMatch(/suspended/);
    await closed;
    expect(await attempt(a, 'ETH-2', agent)).toBe('answered 500 OPERATEUR_SUSPENDU');
    expect(await attempt(b, 'ETH-2')).toBe('answered 500 OPERATEUR_SUSPENDU');
    // Another operator is not affected.
    expect(await attempt(creds)).toBe('answered 200 ok');
    expect(esav(t.env, 'operator', 'suspend', '--siren', OTHER, '--reason', 'x').stderr).toMatch(/already suspended/);
    esavOk(t.env, 'operator', 'resume', '--siren', OTHER, '--reason', 'incident clos');
    expect(await attempt(a, 'ETH-2', agent)).toBe('answered 200 ok');
    agent.destroy();
    const log = esavOk(t.env, 'audit', '--operator', OTHER);
    expect(log).toMatch(/\tsuspend\t552081317\t-\t\{"reason":"incident de sécurité"\}/);
    expect(log).toMatch(/\tresume\t552081317\t/);
  });
});

describe('no client certificate at all', () => {
  it('refused at the handshake', async () => {
    expect(await request(url, { ca: creds.ca }).then(() => 'answered', () => 'refused')).toBe('refused');
  });
});
