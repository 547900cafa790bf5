import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

/** Every CA whose client certificates the TLS server trusts: client-ca*.crt in the certs dir. */
export function trustedClientCaPems(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /^client-ca.*\.crt$/.test(n) || /^approved-.*\.crt$/.test(n))
    .sort()
    .map((n) => readFileSync(join(dir, n), 'utf8'));
}
