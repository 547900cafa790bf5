import type Forge from 'node-forge';
import { forge } from './forge.js';
import { X509Certificate } from 'node:crypto';
import { forgePrivateKey, forgePublicKey, generateRsaKeyPair, randomSerialHex, type KeyPair } from './keys.js';

export type Scope = 'esav' | 'ftth';

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

const DAY = 86_400_000;
const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

function validity(cert: Forge.pki.Certificate, notBefore: Date, notAfter: Date): void {
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
}

function sign(cert: Forge.pki.Certificate, caKeyPem: string): string {
  cert.sign(forgePrivateKey(caKeyPem), forge().md.sha256.create());
  return forge().pki.certificateToPem(cert);
}

export function createCa(commonName: string, years = 10, now = new Date()): CaMaterial {
  const keys = generateRsaKeyPair(3072);
  const cert = forge().pki.createCertificate();
  cert.serialNumber = randomSerialHex();
  cert.publicKey = forgePublicKey(keys.publicKeyPem);
  // Back-date a little so a clock a few minutes behind still accepts it.
  validity(cert, new Date(now.getTime() - 3600_000), new Date(now.getTime() + years * 365 * DAY));
  const attrs = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'e-SAV Fournisseur' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  return { certPem: sign(cert, keys.privateKeyPem), keyPem: keys.privateKeyPem };
}

function issuerOf(ca: CaMaterial): Forge.pki.Certificate {
  return forge().pki.certificateFromPem(ca.certPem);
}

export function issueServerCert(ca: CaMaterial, dnsNames: string[], ips: string[], days = 397, now = new Date()): Issued {
  const keys = generateRsaKeyPair(2048);
  const caCert = issuerOf(ca);
  const cert = forge().pki.createCertificate();
  cert.serialNumber = randomSerialHex();
  cert.publicKey = forgePublicKey(keys.publicKeyPem);
  validity(cert, new Date(now.getTime() - 3600_000), new Date(now.getTime() + days * DAY));
  cert.setSubject([{ name: 'commonName', value: dnsNames[0] ?? 'localhost' }, { name: 'organizationName', value: 'e-SAV Fournisseur' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  return { certPem: sign(cert, ca.keyPem), keyPem: keys.privateKeyPem };
}

export interface ClientCertRequest {
  siren: string;
  operatorName: string;
  scope: Scope;
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** Tests only: issue a certificate without the clientAuth usage, to prove it is refused. */
  withoutClientAuth?: boolean;
  publicKeyPem?: string;
}

/** Signs a client certificate carrying the operator's SIREN (subject serialNumber) and scope (OU). */
export function issueClientCert(ca: CaMaterial, req: ClientCertRequest, now = new Date()): Issued & { keyPem: string } {
  let keys: KeyPair | undefined;
  let publicKeyPem = req.publicKeyPem;
  if (!publicKeyPem) {
    keys = generateRsaKeyPair(2048);
    publicKeyPem = keys.publicKeyPem;
  }
  const caCert = issuerOf(ca);
  const cert = forge().pki.createCertificate();
  cert.serialNumber = randomSerialHex();
  cert.publicKey = forgePublicKey(publicKeyPem);
  const notBefore = req.notBefore ?? new Date(now.getTime() - 3600_000);
  const notAfter = req.notAfter ?? new Date(now.getTime() + (req.days ?? 365) * DAY);
  validity(cert, notBefore, notAfter);
  cert.setSubject([
    { name: 'commonName', value: `esav-${req.scope}-${req.siren}` },
    { name: 'organizationName', value: req.operatorName.slice(0, 64) },
    { name: 'organizationalUnitName', value: req.scope },
    { name: 'serialNumber', value: req.siren },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const exts: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (!req.withoutClientAuth) exts.push({ name: 'extKeyUsage', clientAuth: true });
  else exts.push({ name: 'extKeyUsage', serverAuth: true });
  cert.setExtensions(exts);
  return { certPem: sign(cert, ca.keyPem), keyPem: keys?.privateKeyPem ?? '' };
}

/** Lowercase hex SHA-256 of the DER, no colons: the form stored and looked up. */
export function fingerprintOf(certPem: string | X509Certificate): string {
  const x = typeof certPem === 'string' ? new X509Certificate(certPem) : certPem;
  return normaliseFingerprint(x.fingerprint256);
}

export function normaliseFingerprint(fp: string): string {
  return fp.replace(/:/g, '').toLowerCase();
}

export function hasClientAuth(x: X509Certificate): boolean {
  const usages = x.keyUsage;
  return Array.isArray(usages) && usages.includes(OID_CLIENT_AUTH);
}
