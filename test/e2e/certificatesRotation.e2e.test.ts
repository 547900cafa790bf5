import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import tls from 'node:tls';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, parseSoap, soapPost, V1 } from '../support/http.js';
import { loadCa, pkiFiles } from '../../src/pki/devPki.js';
import { issueServerCert, fingerprintOf } from '../../src/pki/certs.js';

// Rotations under a steady mTLS load: every response is counted, none may fail.
const OP = '312345678';
const ACTION = `${V1}#deposerSignalisation`;
let t: TestGateway;

/** The server certificate a new handshake gets. */
function servedFingerprint(ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: t.gw.port, servername: 'localhost', ca, rejectUnauthorized: false }, () => {
      const fp = fingerprintOf(s.getPeerX509Certificate()!);
      s.destroy();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

async function eventually(fn: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

beforeAll(async () => {
  t = await startTestGateway();
  esavOk(t.env, 'operator', 'add', '--siren', OP, '--name', 'Charge');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-1', '--offer', 'ETH_ENTREPRISE');
});

afterAll(async () => {
  await t?.close();
});

describe('rotation without a failed request', () => {
  it('server certificate and client CA rotations under load: zero failed requests', async () => {
    const first = t.issue(OP, 'esav');
    let current: { key: Buffer; cert: Buffer; ca: Buffer } = first;
    const url = `${t.base}/ws/signalisation/v1`;
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    // Four clients, a new TLS connection per request (so every handshake meets the current context);
    // bounded: stops when told or after 5000 requests in all.
    const loop = async () => {
      while (!stop && ok + failures.length < 5000) {
        try {
          const r = await soapPost(url, current, depositXml(V1, 'ETH-1'), ACTION);
          const fault = parseSoap(r.body).fault;
          if (r.status === 200 && !fault) ok++;
          else failures.push(`${r.status} ${fault?.code}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    };
    const clients = [loop(), loop(), loop(), loop()];
    const progress = async (n: number) => {
      const target = ok + n;
      await eventually(async () => ok >= target || failures.length > 0);
    };
    try {
      await progress(20);

      // 1. Server certificate rotation (esav server-cert rotate -> NOTIFY esav_tls -> setSecureContext).
      const before = await servedFingerprint(first.ca);
      const out = esavOk(t.env, 'server-cert', 'rotate');
      const after = /rotated: ([0-9a-f]{64})/.exec(out)![1]!;
      expect(after).not.toBe(before);
      expect(await eventually(async () => (await servedFingerprint(first.ca)) === after)).toBe(true);
      await progress(20);

      // 2. Client CA rotation, one command per step: new CA beside the old one...
      const oldCa = fingerprintOf(readFileSync(pkiFiles(t.config.certsDir).clientCaCert, 'utf8'));
      esavOk(t.env, 'ca', 'rotate');
      await t.gw.reloadTls('test: wait for the rotation to be in service');
      await progress(20);
      // ...certificates re-issued under the new CA (same operator key)...
      const dir = join(t.dir, 'reissued');
      expect(esavOk(t.env, 'ca', 'reissue', '--out', dir)).toMatch(/1 certificate\(s\) re-issued/);
      const [file] = readdirSync(dir);
      const reissued = { key: first.key, cert: readFileSync(join(dir, file!)), ca: first.ca };
      // Retiring the old CA is refused while one of its certificates has no successor: here it has one.
      current = reissued; // the operator installs its re-issued certificate
      await progress(20);
      // ...then the old CA removed.
      expect(esavOk(t.env, 'ca', 'retire', '--fingerprint', oldCa)).toMatch(/retired/);
      await t.gw.reloadTls('test: wait for the retirement to be in service');
      await progress(20);
      // The old chain is no longer trusted at the handshake.
      const refused = await soapPost(url, first, depositXml(V1, 'ETH-1'), ACTION).then(() => 'answered', () => 'refused');
      expect(refused).toBe('refused');
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThanOrEqual(100);
    const audit = esavOk(t.env, 'audit');
    for (const action of ['rotate', 'ca-rotate', 'renew', 'ca-retire']) expect(audit).toMatch(new RegExp(`\\t${action}\\t`));
  });

  it('a bad server pair is refused and the current one stays in service; a good pair dropped in the folder is taken', async () => {
    const f = pkiFiles(t.config.certsDir);
    const ca = readFileSync(f.serverCaCert);
    const served = await servedFingerprint(ca);
    const a = issueServerCert(loadCa(f.serverCaCert, f.serverCaKey), ['localhost'], ['127.0.0.1']);
    const b = issueServerCert(loadCa(f.serverCaCert, f.serverCaKey), ['localhost'], ['127.0.0.1']);
    // Through the command: refused before anything is written.
    writeFileSync(join(t.dir, 'a.crt'), a.certPem);
    writeFileSync(join(t.dir, 'b.key'), b.keyPem);
    const r = esav(t.env, 'server-cert', 'rotate', '--cert', join(t.dir, 'a.crt'), '--key', join(t.dir, 'b.key'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/key does not match/);
    // Dropped in the folder by hand: the gateway refuses to swap, and keeps serving.
    writeFileSync(f.serverCert, a.certPem);
    writeFileSync(f.serverKey, b.keyPem);
    expect(await t.gw.reloadTls('test')).toBe('refused');
    expect(await servedFingerprint(ca)).toBe(served);
    expect(t.logLines.some((l) => l.includes('new TLS material refused'))).toBe(true);
    // A good pair dropped in the folder is picked up by the folder watch, without a command.
    writeFileSync(f.serverKey, a.keyPem);
    expect(await eventually(async () => (await servedFingerprint(ca)) === fingerprintOf(a.certPem))).toBe(true);
  });
});
