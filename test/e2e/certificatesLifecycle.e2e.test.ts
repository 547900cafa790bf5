import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import https from 'node:https';
import tls from 'node:tls';
import { readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import forge from 'node-forge';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, parseSoap, soapPost, V1 } from '../support/http.js';
import { generateRsaKeyPair } from '../../src/pki/keys.js';
import { pkiFiles } from '../../src/pki/devPki.js';

// The ops commands of the certificate lifecycle, each checked over real mTLS.
const OP = '652014051';
const ACTION = `${V1}#deposerSignalisation`;
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let url: string;

function attempt(c: { key?: Buffer; cert?: Buffer; ca: Buffer }, agent?: https.Agent): Promise<string> {
  return soapPost(url, c, depositXml(V1, 'ETH-1'), ACTION, {}, agent).then(
    (r) => `answered ${r.status} ${parseSoap(r.body).fault?.code ?? 'ok'}`,
    (err: NodeJS.ErrnoException) => `refused ${err.code ?? err.message}`,
  );
}

function csr(bits: number, opts: { signWith?: string } = {}): { file: string; keyPem: string } {
  const k = generateRsaKeyPair(bits);
  const req = forge.pki.createCertificationRequest();
  req.publicKey = forge.pki.publicKeyFromPem(k.publicKeyPem);
  req.setSubject([{ name: 'commonName', value: 'si-operateur' }]);
  req.sign(forge.pki.privateKeyFromPem(opts.signWith ?? k.privateKeyPem) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const file = join(t.dir, `req-${bits}-${Math.random().toString(36).slice(2)}.csr`);
  writeFileSync(file, forge.pki.certificationRequestToPem(req));
  return { file, keyPem: k.privateKeyPem };
}

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-1', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url });
  url = `${t.base}/ws/signalisation/v1`;
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('esav cert sign: the operator keeps its private key', () => {
  it('signs a valid CSR; the certificate carries SIREN, scope and clientAuth, and works with the operator key', async () => {
    const r = csr(2048);
    const out = join(t.dir, 'signed.crt');
    expect(esavOk(t.env, 'cert', 'sign', '--operator', OP, '--scope', 'esav', '--csr', r.file, '--out', out)).toMatch(/CSR signed/);
    const x = new X509Certificate(readFileSync(out));
    expect(x.subject).toMatch(/serialNumber=652014051/);
    expect(x.subject).toMatch(/OU=esav/);
    expect(x.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(BigInt('0x' + x.serialNumber) > 0n).toBe(true);
    expect(await attempt({ key: Buffer.from(r.keyPem), cert: readFileSync(out), ca: creds.ca })).toBe('answered 200 ok');
  });

  it('refuses a key under 2048 bits and a CSR whose signature does not verify', () => {
    const weak = esav(t.env, 'cert', 'sign', '--operator', OP, '--scope', 'esav', '--csr', csr(1024).file, '--out', join(t.dir, 'weak.crt'));
    expect(weak.status).toBe(2);
    expect(weak.stderr).toMatch(/1024 bits; at least 2048/);
    const forged = esav(t.env, 'cert', 'sign', '--operator', OP, '--scope', 'esav', '--csr', csr(2048, { signWith: generateRsaKeyPair(2048).privateKeyPem }).file, '--out', join(t.dir, 'forged.crt'));
    expect(forged.status).toBe(2);
    expect(forged.stderr).toMatch(/signature does not verify/);
  });
});

describe('esav cert issue --p12', () => {
  it('writes a passphrase-protected PKCS#12 that a TLS client uses as is', async () => {
    const pass = join(t.dir, 'p12.pass');
    writeFileSync(pass, 'correct horse battery\n');
    const p12 = join(t.dir, 'client.p12');
    esavOk(t.env, 'cert', 'issue', '--operator', OP, '--scope', 'esav', '--out', join(t.dir, 'p12out'), '--p12', p12, '--passphrase-file', pass);
    // The agent carries the PKCS#12 (the request's own key/cert are left empty).
    const ok = new https.Agent({ pfx: readFileSync(p12), passphrase: 'correct horse battery', ca: creds.ca });
    expect(await attempt({ ca: creds.ca }, ok)).toBe('answered 200 ok');
    ok.destroy();
    expect(() => tls.createSecureContext({ pfx: readFileSync(p12), passphrase: 'wrong' })).toThrow();
  });
});

describe('renewal', () => {
  it('esav cert due lists a certificate past its renewal date with its deadline; renew makes a successor; both work in the overlap', async () => {
    const short = join(t.dir, 'short');
    const fp = /fingerprint ([0-9a-f]{64})/.exec(esavOk(t.env, 'cert', 'issue', '--operator', OP, '--scope', 'esav', '--out', short, '--days', '10'))![1]!;
    const due = esavOk(t.env, 'cert', 'due');
    const line = due.split('\n').find((l) => l.startsWith(fp))!;
    expect(line).toMatch(/\tprovider CA\t.*\toverdue\tprovider delivers the new certificate by \d{4}-\d\d-\d\d/);
    expect(esavOk(t.env, 'cert', 'due')).not.toContain(creds.fingerprint); // a year left: not due
    expect(esavOk(t.env, 'cert', 'due', '--within', '400')).toContain(creds.fingerprint);

    const oldCreds = { key: readFileSync(join(short, 'client.key')), cert: readFileSync(join(short, 'client.crt')), ca: creds.ca };
    const next = join(t.dir, 'next');
    const nfp = /fingerprint ([0-9a-f]{64})/.exec(esavOk(t.env, 'cert', 'renew', '--fingerprint', fp, '--out', next))![1]!;
    const newCreds = { key: readFileSync(join(next, 'client.key')), cert: readFileSync(join(next, 'client.crt')), ca: creds.ca };
    expect(esavOk(t.env, 'cert', 'due')).not.toContain(fp);
    expect(esav(t.env, 'cert', 'renew', '--fingerprint', fp, '--out', next).stderr).toMatch(/already renewed/);

    expect(await attempt(oldCreds)).toBe('answered 200 ok');
    expect(await attempt(newCreds)).toBe('answered 200 ok');
    // The first use of the successor supersedes the old one, which keeps working until it expires.
    let st = '';
    for (let i = 0; i < 50 && st !== 'superseded'; i++) {
      st = (await db.query('SELECT status FROM certificates WHERE fingerprint = $1', [fp])).rows[0].status;
      if (st !== 'superseded') await new Promise((r) => setTimeout(r, 100));
    }
    expect(st).toBe('superseded');
    expect(await attempt(oldCreds)).toBe('answered 200 ok');
    expect(await attempt(newCreds)).toBe('answered 200 ok');
    const audit = esavOk(t.env, 'audit', '--operator', OP);
    expect(audit).toMatch(new RegExp(`\\trenew\\t${OP}\\t${nfp}\\t.*"renews":"${fp}"`));
    expect(audit).toMatch(new RegExp(`\\tsupersede\\t${OP}\\t${fp}\\t`));
    expect(audit).toMatch(/\tissue\t/);
    expect(audit).toMatch(/\tsign\t/);
  });
});

describe('CRL', () => {
  it('esav ca crl and /pki/crl.pem verify with openssl and list the revoked serial', async () => {
    const c = t.issue(OP, 'esav');
    esavOk(t.env, 'cert', 'revoke', '--fingerprint', c.fingerprint);
    let serial = new X509Certificate(c.cert).serialNumber.replace(/^0+/, '');
    if (serial.length % 2) serial = '0' + serial; // openssl prints whole octets
    const file = join(t.dir, 'crl.pem');
    esavOk(t.env, 'ca', 'crl', '--out', file);
    writeFileSync(join(t.dir, 'served.pem'), await (await fetch(`http://127.0.0.1:${t.gw.adminPort}/pki/crl.pem`)).text());
    for (const f of [file, join(t.dir, 'served.pem')]) {
      const r = spawnSync('openssl', ['crl', '-in', f, '-CAfile', pkiFiles(t.config.certsDir).clientCaCert, '-noout', '-text'], { encoding: 'utf8' });
      expect(r.stderr + r.stdout).toMatch(/verify OK/);
      expect(r.stdout.toUpperCase()).toContain(`SERIAL NUMBER: ${serial.toUpperCase()}`);
    }
    expect(esavOk(t.env, 'audit')).toMatch(new RegExp(`\\trevoke\\t${OP}\\t${c.fingerprint}`));
  });
});

describe('esav ca init', () => {
  it('refuses to overwrite the client CA without --force', () => {
    const r = esav(t.env, 'ca', 'init');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists.*--force/);
  });
});

describe('metrics on the admin listener', () => {
  it('reports overdue renewals and the gateway\'s own certificate and CAs', async () => {
    const m = await (await fetch(`http://127.0.0.1:${t.gw.adminPort}/metrics`)).text();
    expect(m).toMatch(/^esav_certificates_renewal_overdue \d+$/m);
    expect(m).toMatch(/^esav_pki_renewal_overdue\{kind="server_certificate",subject="[^"]+"\} 0$/m);
    expect(m).toMatch(/^esav_pki_expiry_timestamp_seconds\{kind="client_ca",/m);
  });
});
