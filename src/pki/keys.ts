import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type Forge from 'node-forge';
import { forge } from './forge.js';

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

// forge's pure-JS RSA keygen takes seconds; OpenSSL's takes tens of milliseconds.
export function generateRsaKeyPair(bits = 2048): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A random positive serial (RFC 5280: at most 20 octets, positive). */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  if (b[0] === 0) b[0] = 0x01;
  return b.toString('hex');
}

export function forgePrivateKey(pem: string): Forge.pki.rsa.PrivateKey {
  return forge().pki.privateKeyFromPem(pem) as Forge.pki.rsa.PrivateKey;
}

export function forgePublicKey(pem: string): Forge.pki.rsa.PublicKey {
  return forge().pki.publicKeyFromPem(pem) as Forge.pki.rsa.PublicKey;
}
