import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, unlinkSync, readdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createCa, issueServerCert, type CaMaterial } from './certs.js';

export interface PkiFiles {
  dir: string;
  serverCaCert: string;
  serverCaKey: string;
  serverCert: string;
  serverKey: string;
  clientCaCert: string;
  clientCaKey: string;
}

export function pkiFiles(dir: string): PkiFiles {
  return {
    dir,
    serverCaCert: join(dir, 'server-ca.crt'),
    serverCaKey: join(dir, 'server-ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCaCert: join(dir, 'client-ca.crt'),
    clientCaKey: join(dir, 'client-ca.key'),
  };
}

function writeSecret(path: string, pem: string): void {
  writeFileSync(path, pem, { mode: 0o600 });
}

/**
 * Makes the dev PKI on first start: a server CA and the gateway's certificate (localhost,
 * 127.0.0.1, ::1), and a separate client CA that signs operators' certificates. A second start
 * reuses them. A lock file keeps two processes starting together from making two PKIs.
 */
export function ensureDevPki(dir: string, serverNames: string[] = ['localhost']): PkiFiles {
  const f = pkiFiles(dir);
  if (existsSync(f.serverCert) && existsSync(f.clientCaCert)) return f;
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.init.lock');
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch {
    // Another process is creating it: wait for it to finish.
    const until = Date.now() + 30_000;
    while (!(existsSync(f.serverCert) && existsSync(f.clientCaCert)) && Date.now() < until) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    if (!existsSync(f.serverCert)) throw new Error(`PKI in ${dir} is locked by ${lock}; remove it if no other process is starting`);
    return f;
  }
  try {
    if (!existsSync(f.serverCaCert)) {
      const ca = createCa('e-SAV dev server CA');
      writeFileSync(f.serverCaCert, ca.certPem);
      writeSecret(f.serverCaKey, ca.keyPem);
    }
    if (!existsSync(f.serverCert)) {
      const ca = loadCa(f.serverCaCert, f.serverCaKey);
      const s = issueServerCert(ca, [...new Set([...serverNames, 'localhost'])], ['127.0.0.1', '::1']);
      writeSecret(f.serverKey, s.keyPem);
      writeFileSync(f.serverCert, s.certPem);
    }
    if (!existsSync(f.clientCaCert)) {
      const ca = createCa('e-SAV dev client CA');
      writeSecret(f.clientCaKey, ca.keyPem);
      writeFileSync(f.clientCaCert, ca.certPem);
    }
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
  return f;
}

export function loadCa(certPath: string, keyPath: string): CaMaterial {
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
}

/**
 * The provider's client CAs (their keys are here): `client-ca.crt` issues, `client-ca-<id>.crt`
 * are previous ones kept trusted during a CA rotation. Recognised CAs live in the database
 * (approved_cas) and are added by the TLS layer.
 */
export function trustedClientCaPems(dir: string): string[] {
  return providerCaFiles(dir).map((c) => readFileSync(c.cert, 'utf8'));
}

export function providerCaFiles(dir: string): Array<{ cert: string; key: string; current: boolean }> {
  return readdirSync(dir)
    .filter((n) => /^client-ca.*\.crt$/.test(n))
    .sort()
    .map((n) => ({ cert: join(dir, n), key: join(dir, n.replace(/\.crt$/, '.key')), current: n === 'client-ca.crt' }));
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/** `esav ca init`: (re)creates the issuing client CA; an existing one is kept unless forced. */
export function initClientCa(dir: string, force: boolean, now = new Date()): CaMaterial {
  const f = pkiFiles(dir);
  mkdirSync(dir, { recursive: true });
  if (existsSync(f.clientCaCert) && !force) throw new Error(`${f.clientCaCert} exists: certificates it issued would stop working; use --force to replace it`);
  const ca = createCa(`e-SAV client CA ${stamp(now)}`, 10, now);
  writeSecret(f.clientCaKey, ca.keyPem);
  writeFileSync(f.clientCaCert, ca.certPem);
  return ca;
}

/**
 * CA rotation, step 1: the current client CA is kept as `client-ca-<id>.crt` (still trusted) and
 * a new one becomes the issuing `client-ca.crt`. Returns the id of the previous one.
 */
export function rotateClientCa(dir: string, id: string, now = new Date()): CaMaterial {
  const f = pkiFiles(dir);
  const prevCert = join(dir, `client-ca-${id}.crt`);
  const prevKey = join(dir, `client-ca-${id}.key`);
  // Copy first, then replace: at no moment is the old CA missing from the folder.
  writeSecret(prevKey, readFileSync(f.clientCaKey, 'utf8'));
  writeFileSync(prevCert, readFileSync(f.clientCaCert, 'utf8'));
  const ca = createCa(`e-SAV client CA ${stamp(now)}`, 10, now);
  writeSecret(f.clientCaKey + '.tmp', ca.keyPem);
  writeFileSync(f.clientCaCert + '.tmp', ca.certPem);
  renameSync(f.clientCaKey + '.tmp', f.clientCaKey);
  renameSync(f.clientCaCert + '.tmp', f.clientCaCert);
  return ca;
}

/** CA rotation, step 3: a previous client CA leaves the trusted list (kept under retired/). */
export function retireClientCaFiles(dir: string, certPath: string): string {
  const retired = join(dir, 'retired');
  mkdirSync(retired, { recursive: true, mode: 0o700 });
  const base = basename(certPath);
  const keyPath = certPath.replace(/\.crt$/, '.key');
  if (existsSync(keyPath)) renameSync(keyPath, join(retired, basename(keyPath)));
  renameSync(certPath, join(retired, base));
  return join(retired, base);
}
