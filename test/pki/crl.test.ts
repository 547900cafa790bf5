import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../src/pki/certs.js';
import { buildCrl } from '../../src/pki/crl.js';

// OpenSSL is the judge: the CRL is built with forge.asn1, verified by `openssl crl -CAfile`.
function openssl(crlPem: string, caPem: string): { status: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'esav-crl-'));
  try {
    writeFileSync(join(dir, 'crl.pem'), crlPem);
    writeFileSync(join(dir, 'ca.pem'), caPem);
    const r = spawnSync('openssl', ['crl', '-in', join(dir, 'crl.pem'), '-CAfile', join(dir, 'ca.pem'), '-noout', '-text'], { encoding: 'utf8' });
    return { status: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('CRL of the provider client CA', () => {
  const ca = createCa('CRL test CA');

  it('verifies with openssl and lists the revoked serials (high bit set and leading zeros included)', () => {
    const crl = buildCrl(ca, [
      { serial: '3a5f00c2de', revokedAt: new Date('2026-03-02T10:00:00Z') },
      { serial: 'F1E2D3C4B5A69788', revokedAt: new Date('2026-03-03T10:00:00Z') },
      { serial: '000102', revokedAt: new Date('2026-03-04T10:00:00Z') },
    ], { now: new Date('2026-03-05T00:00:00Z') });
    const r = openssl(crl, ca.certPem);
    expect(r.out).toMatch(/verify OK/);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/Serial Number: 3A5F00C2DE/);
    expect(r.out).toMatch(/Serial Number: F1E2D3C4B5A69788/);
    expect(r.out).toMatch(/Serial Number: 0102/);
    expect(r.out).toMatch(/Version 2/);
    expect(r.out).toMatch(/X509v3 CRL Number/);
    expect(r.out).toMatch(/Issuer: .*CN ?= ?CRL test CA/);
  });

  it('an empty CRL verifies too (revokedCertificates absent)', () => {
    const r = openssl(buildCrl(ca, []), ca.certPem);
    expect(r.out).toMatch(/verify OK/);
    expect(r.out).toMatch(/No Revoked Certificates/);
  });

  it('does not verify against another CA', () => {
    const r = openssl(buildCrl(ca, [{ serial: '01', revokedAt: new Date() }]), createCa('Other CA').certPem);
    expect(r.out).not.toMatch(/verify OK/);
  });
});
