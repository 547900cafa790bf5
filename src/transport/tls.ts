import { constants } from 'node:crypto';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { readFileSync } from 'node:fs';
import { pkiFiles, trustedClientCaPems } from '../pki/devPki.js';

/**
 * Server TLS: client certificate required and verified against an explicit list of CAs only
 * (`ca` replaces Node's public roots); TLS 1.2 minimum; no session tickets and no session cache,
 * since a resumed session skips client-certificate verification; no client renegotiation.
 */
export function secureContextOptions(certsDir: string): SecureContextOptions {
  const f = pkiFiles(certsDir);
  return {
    key: readFileSync(f.serverKey),
    cert: readFileSync(f.serverCert),
    ca: trustedClientCaPems(certsDir),
    minVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_RENEGOTIATION,
  };
}

export function serverTlsOptions(certsDir: string): TlsOptions {
  return {
    ...secureContextOptions(certsDir),
    requestCert: true,
    rejectUnauthorized: true,
    // 0 disables the server-side session cache: every connection does a full handshake.
    sessionTimeout: 0,
  };
}
