import type Forge from 'node-forge';
import { forge } from './forge.js';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { hasClientAuth, type CaMaterial } from './certs.js';

/** A refusal ops can act on: the CLI prints it as a usage error (exit 2). */
export class PkiRefusal extends Error {}

export const MIN_RSA_BITS = 2048;

/** An operator's CSR: signature checked (proof of possession), RSA of 2048 bits or more. */
export function checkCsr(csrPem: string): { publicKeyPem: string; bits: number } {
  let csr: ReturnType<typeof Forge.pki.certificationRequestFromPem>;
  try {
    csr = forge().pki.certificationRequestFromPem(csrPem);
  } catch (err) {
    // forge reads RSA requests only; others fail here with its message.
    throw new PkiRefusal(`the CSR cannot be read (PEM "CERTIFICATE REQUEST", RSA key expected): ${(err as Error).message}`);
  }
  let verified = false;
  try {
    verified = csr.verify();
  } catch {
    // forge throws on a signature made by another key instead of returning false.
  }
  if (!verified) throw new PkiRefusal('the CSR signature does not verify: it was not signed by the key it carries');
  const key = csr.publicKey as Forge.pki.rsa.PublicKey | null;
  if (!key || !('n' in key)) throw new PkiRefusal('the CSR must carry an RSA public key');
  const bits = key.n.bitLength();
  if (bits < MIN_RSA_BITS) throw new PkiRefusal(`the CSR key has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  return { publicKeyPem: forge().pki.publicKeyToPem(key), bits };
}

function keyBits(x: X509Certificate): number {
  return x.publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
}

/**
 * A certificate sent in by an operator from a recognised CA: signed by one of the approved CAs,
 * currently valid, clientAuth, RSA >= 2048. Returns the approving CA.
 */
export function checkRecognised(certPem: string, approved: Array<{ fingerprint: string; pem: string }>, now = new Date()): { caFingerprint: string } {
  const x = new X509Certificate(certPem);
  const ca = approved.find((a) => {
    const c = new X509Certificate(a.pem);
    return x.checkIssued(c) && x.verify(c.publicKey);
  });
  if (!ca) throw new PkiRefusal(`its issuer (${x.issuer.replace(/\n/g, ', ')}) is not an approved CA: see esav ca list, esav ca approve`);
  checkClientCert(x, now);
  return { caFingerprint: ca.fingerprint };
}

export function checkClientCert(x: X509Certificate, now = new Date()): void {
  if (x.ca) throw new PkiRefusal('this is a CA certificate, not a client certificate');
  if (!hasClientAuth(x)) throw new PkiRefusal('the certificate lacks the clientAuth extended key usage');
  if (new Date(x.validTo) <= now) throw new PkiRefusal(`the certificate expired on ${new Date(x.validTo).toISOString()}`);
  if (x.publicKey.asymmetricKeyType === 'rsa' && keyBits(x) < MIN_RSA_BITS) throw new PkiRefusal(`the certificate key has ${keyBits(x)} bits; at least ${MIN_RSA_BITS} are required`);
}

/** A CA certificate to approve: a CA (basicConstraints cA), self-consistent, not expired. */
export function checkCaCert(pem: string, now = new Date()): X509Certificate {
  const x = new X509Certificate(pem);
  if (!x.ca) throw new PkiRefusal('not a CA certificate (basicConstraints cA is not set)');
  if (new Date(x.validTo) <= now) throw new PkiRefusal(`the CA certificate expired on ${new Date(x.validTo).toISOString()}`);
  return x;
}

/**
 * The gateway's own pair before it is put in service: the key matches the certificate, the
 * certificate is signed by one of the given CAs (when any are given), and it is valid now.
 */
export function checkServerPair(certPem: string | Buffer, keyPem: string | Buffer, caPems: string[], now = new Date()): X509Certificate {
  let x: X509Certificate;
  try {
    x = new X509Certificate(certPem);
  } catch (err) {
    throw new PkiRefusal(`the server certificate cannot be read: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new PkiRefusal(`the server key cannot be read: ${(err as Error).message}`);
  }
  if (!x.checkPrivateKey(key)) throw new PkiRefusal('the server key does not match the server certificate');
  if (caPems.length && !caPems.some((p) => { const c = new X509Certificate(p); return x.checkIssued(c) && x.verify(c.publicKey); })) {
    throw new PkiRefusal(`the server certificate is not signed by the server CA (issuer ${x.issuer.replace(/\n/g, ', ')})`);
  }
  if (new Date(x.validTo) <= now) throw new PkiRefusal(`the server certificate expired on ${new Date(x.validTo).toISOString()}`);
  if (new Date(x.validFrom) > now) throw new PkiRefusal(`the server certificate is not valid before ${new Date(x.validFrom).toISOString()}`);
  return x;
}

/** The CA's certificate matches its key (before signing anything with it). */
export function checkCaPair(ca: CaMaterial): void {
  const x = new X509Certificate(ca.certPem);
  if (!x.checkPrivateKey(createPrivateKey(ca.keyPem))) throw new PkiRefusal('the CA key does not match the CA certificate');
}

/** PKCS#12 for tools that want one file; 3DES so OpenSSL 3 reads it without the legacy provider. */
export function toP12(keyPem: string, certPem: string, chainPems: string[], passphrase: string, friendlyName: string): Buffer {
  const asn = forge().pkcs12.toPkcs12Asn1(
    forge().pki.privateKeyFromPem(keyPem) as Forge.pki.rsa.PrivateKey,
    [forge().pki.certificateFromPem(certPem), ...chainPems.map((p) => forge().pki.certificateFromPem(p))],
    passphrase,
    { algorithm: '3des', friendlyName },
  );
  return Buffer.from(forge().asn1.toDer(asn).getBytes(), 'binary');
}
