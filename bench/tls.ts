import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';

/** Where the bench's PKI files are, all made by the gateway itself and by `esav cert issue`. */
export interface BenchPki {
  /** The gateway's own certificate and key (<certs>/server.crt, server.key). */
  serverCert: string;
  serverKey: string;
  /** The CA that signs operators' client certificates (<certs>/client-ca.crt). */
  clientCa: string;
  /** What `esav cert issue --out <dir>` wrote: client.key, client.crt, ca.crt (the server's CA). */
  clientKey: string;
  clientCert: string;
  serverCa: string;
}

export function benchPki(certsDir: string, clientDir: string): BenchPki {
  return {
    serverCert: join(certsDir, 'server.crt'),
    serverKey: join(certsDir, 'server.key'),
    clientCa: join(certsDir, 'client-ca.crt'),
    clientKey: join(clientDir, 'client.key'),
    clientCert: join(clientDir, 'client.crt'),
    serverCa: join(clientDir, 'ca.crt'),
  };
}

/**
 * TLS of the comparison peers: the gateway's certificate and key, the client certificate required
 * and verified against the client CA, and the same hardening as src/transport/tls.ts (TLS 1.2
 * minimum, no tickets, no session cache, no renegotiation), so only the application differs.
 */
export function peerTlsOptions(pki: BenchPki): TlsOptions {
  return {
    key: readFileSync(pki.serverKey),
    cert: readFileSync(pki.serverCert),
    ca: readFileSync(pki.clientCa),
    minVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_RENEGOTIATION,
    requestCert: true,
    rejectUnauthorized: true,
    sessionTimeout: 0,
  };
}
