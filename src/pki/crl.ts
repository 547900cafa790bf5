import type Forge from 'node-forge';
import { forge } from './forge.js';
import { forgePrivateKey } from './keys.js';
import { X509Certificate } from 'node:crypto';
import type { CaMaterial } from './certs.js';
import type { Pool } from '../db/pool.js';
import { loadCa, pkiFiles } from './devPki.js';
import { revokedByIssuer } from './store.js';

export interface RevokedEntry {
  /** Hex serial as stored (any case, with or without leading zeros). */
  serial: string;
  revokedAt: Date;
}

// node-forge's ASN.1 helpers (node-forge loads on first use: src/pki/forge.ts).
function asn1Kit(): { asn1: typeof Forge.asn1; T: typeof Forge.asn1.Type; U: Forge.asn1.Class } {
  const asn1 = forge().asn1;
  return { asn1, T: asn1.Type, U: asn1.Class.UNIVERSAL };
}
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_CRL_NUMBER = '2.5.29.20';
const OID_AKI = '2.5.29.35';

/** DER INTEGER content for a non-negative hex value: minimal, with a 00 when the top bit is set. */
function positiveIntegerBytes(hex: string): string {
  let h = hex.replace(/[^0-9a-fA-F]/g, '').toLowerCase().replace(/^0+/, '') || '0';
  if (h.length % 2) h = '0' + h;
  let bytes = forge().util.hexToBytes(h);
  if (bytes.charCodeAt(0) & 0x80) bytes = '\x00' + bytes;
  return bytes;
}

// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after.
function time(d: Date): Forge.asn1.Asn1 {
  const { asn1, T, U } = asn1Kit();
  return d.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

function sigAlg(): Forge.asn1.Asn1 {
  const { asn1, T, U } = asn1Kit();
  return asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.OID, false, asn1.oidToDer(OID_SHA256_RSA).getBytes()),
    asn1.create(U, T.NULL, false, ''),
  ]);
}

/**
 * A v2 CRL (RFC 5280 5.1) signed by the CA. node-forge cannot write CRLs, so the TBSCertList is
 * assembled with forge.asn1 and signed with the CA key (sha256WithRSAEncryption); OpenSSL verifies it.
 */
export function buildCrl(ca: CaMaterial, revoked: RevokedEntry[], opts: { now?: Date; nextUpdateDays?: number; crlNumber?: bigint } = {}): string {
  const { asn1, T, U } = asn1Kit();
  const now = opts.now ?? new Date();
  const next = new Date(now.getTime() + (opts.nextUpdateDays ?? 7) * 86_400_000);
  const caCert = forge().pki.certificateFromPem(ca.certPem);
  // Monotonic enough across processes without shared state: milliseconds since the epoch.
  const number = opts.crlNumber ?? BigInt(now.getTime());
  const entries = revoked.map((r) =>
    asn1.create(U, T.SEQUENCE, true, [asn1.create(U, T.INTEGER, false, positiveIntegerBytes(r.serial)), time(r.revokedAt)]),
  );
  const aki = asn1.create(U, T.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, caCert.generateSubjectKeyIdentifier().getBytes())]);
  const extensions = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
    asn1.create(U, T.SEQUENCE, true, [
      asn1.create(U, T.SEQUENCE, true, [
        asn1.create(U, T.OID, false, asn1.oidToDer(OID_AKI).getBytes()),
        asn1.create(U, T.OCTETSTRING, false, asn1.toDer(aki).getBytes()),
      ]),
      asn1.create(U, T.SEQUENCE, true, [
        asn1.create(U, T.OID, false, asn1.oidToDer(OID_CRL_NUMBER).getBytes()),
        asn1.create(U, T.OCTETSTRING, false, asn1.toDer(asn1.create(U, T.INTEGER, false, positiveIntegerBytes(number.toString(16)))).getBytes()),
      ]),
    ]),
  ]);
  const tbs = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.INTEGER, false, '\x01'), // v2
    sigAlg(),
    forge().pki.distinguishedNameToAsn1(caCert.subject),
    time(now),
    time(next),
    // revokedCertificates is OPTIONAL and must be absent, not empty, when there are none.
    ...(entries.length ? [asn1.create(U, T.SEQUENCE, true, entries)] : []),
    extensions,
  ]);
  const md = forge().md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const signature = forgePrivateKey(ca.keyPem).sign(md);
  const crl = asn1.create(U, T.SEQUENCE, true, [tbs, sigAlg(), asn1.create(U, T.BITSTRING, false, '\x00' + signature)]);
  const der = asn1.toDer(crl).getBytes();
  return forge().pem.encode({ type: 'X509 CRL', body: der });
}

/** The issuing client CA's current CRL: what `/pki/crl.pem` and `esav ca crl` give. */
export async function currentCrl(pool: Pool, certsDir: string, now = new Date()): Promise<string> {
  const f = pkiFiles(certsDir);
  const ca = loadCa(f.clientCaCert, f.clientCaKey);
  const issuer = new X509Certificate(ca.certPem).subject.replace(/\n/g, ', ');
  return buildCrl(ca, await revokedByIssuer(pool, issuer, now), { now });
}
