import { constants, createHash, X509Certificate } from 'node:crypto';
import type { SecureContextOptions, TlsOptions, Server as TlsServer } from 'node:tls';
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { NotificationHub } from '../db/notifications.js';
import { pkiFiles, trustedClientCaPems } from '../pki/devPki.js';
import { checkServerPair } from '../pki/checks.js';
import { listApprovedCas } from '../pki/store.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';

/**
 * Server TLS: client certificate required and verified against an explicit list of CAs only
 * (`ca` replaces Node's public roots); TLS 1.2 minimum; no session tickets and no session cache,
 * since a resumed session skips client-certificate verification; no client renegotiation.
 */
export function secureContextOptions(certsDir: string, approvedCaPems: string[] = []): SecureContextOptions {
  const f = pkiFiles(certsDir);
  return {
    key: readFileSync(f.serverKey),
    cert: readFileSync(f.serverCert),
    ca: [...trustedClientCaPems(certsDir), ...approvedCaPems],
    minVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_RENEGOTIATION,
  };
}

export function serverTlsOptions(certsDir: string, approvedCaPems: string[] = []): TlsOptions {
  return {
    ...secureContextOptions(certsDir, approvedCaPems),
    requestCert: true,
    rejectUnauthorized: true,
    // 0 disables the server-side session cache: every connection does a full handshake.
    sessionTimeout: 0,
  };
}

export interface PkiMaterialInfo {
  serverCert: { subject: string; notAfter: Date; fingerprint: string };
  serverCa?: { subject: string; notAfter: Date };
  clientCas: Array<{ subject: string; notAfter: Date; source: 'provider' | 'recognised' }>;
}

export type ReloadOutcome = 'reloaded' | 'unchanged' | 'refused';

/**
 * The TLS context and its hot swap. The trusted client CAs are exactly the provider's
 * `client-ca*.crt` files plus the approved recognised CAs of the database; the server pair is
 * `server.crt`/`server.key`. A reload (NOTIFY esav_tls, SIGHUP, a change in the certs folder)
 * checks the new material first (key matches, signed by the server CA, valid now) and calls
 * `setSecureContext`: new handshakes use it, open connections keep theirs. A bad pair is refused
 * and logged; the previous context stays.
 */
export class TlsContextManager {
  private digest = '';
  private info?: PkiMaterialInfo;
  private trusted: X509Certificate[] = [];
  private server?: TlsServer;
  private chain: Promise<unknown> = Promise.resolve();
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;

  constructor(
    private readonly certsDir: string,
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  private async build(): Promise<{ options: TlsOptions; digest: string; info: PkiMaterialInfo }> {
    const f = pkiFiles(this.certsDir);
    const approved = await listApprovedCas(this.pool);
    const options = serverTlsOptions(this.certsDir, approved.map((a) => a.pem));
    const serverCaPem = existsSync(f.serverCaCert) ? readFileSync(f.serverCaCert, 'utf8') : undefined;
    const x = checkServerPair(options.cert as Buffer, options.key as Buffer, serverCaPem ? [serverCaPem] : []);
    const provider = trustedClientCaPems(this.certsDir);
    const h = createHash('sha256');
    for (const part of [options.cert as Buffer, options.key as Buffer, ...(options.ca as string[])]) h.update(part).update('\0');
    const sca = serverCaPem ? new X509Certificate(serverCaPem) : undefined;
    return {
      options,
      digest: h.digest('hex'),
      info: {
        serverCert: { subject: x.subject.replace(/\n/g, ', '), notAfter: new Date(x.validTo), fingerprint: x.fingerprint256 },
        serverCa: sca && { subject: sca.subject.replace(/\n/g, ', '), notAfter: new Date(sca.validTo) },
        clientCas: [
          ...provider.map((p) => new X509Certificate(p)).map((c) => ({ subject: c.subject.replace(/\n/g, ', '), notAfter: new Date(c.validTo), source: 'provider' as const })),
          ...approved.map((a) => ({ subject: a.subject, notAfter: a.notAfter, source: 'recognised' as const })),
        ],
      },
    };
  }

  /** The options to create the server with; the material must be valid at start. */
  async initialOptions(): Promise<TlsOptions> {
    const b = await this.build();
    this.digest = b.digest;
    this.info = b.info;
    this.trusted = caList(b.options);
    return b.options;
  }

  /** The client CAs the TLS server trusts now: also what a forwarded certificate must chain to. */
  trustedCas(): X509Certificate[] {
    return this.trusted;
  }

  attach(server: TlsServer, hub: NotificationHub): void {
    this.server = server;
    hub.on('esav_tls', (why: string) => void this.reload(`notify:${why || 'esav_tls'}`));
    // Anything may have changed while notifications were down.
    hub.on('reset', () => void this.reload('notifications reset'));
  }

  /** Reloads when files in the certs folder change (a new pair dropped in); debounced. */
  watchFolder(): void {
    try {
      this.watcher = watch(this.certsDir, () => {
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload('certs folder changed'), 300);
        this.debounce.unref();
      });
      this.watcher.on('error', (err) => this.log.warn({ err: err.message }, 'certs folder watch stopped'));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot watch the certs folder; reload with SIGHUP or esav server-cert rotate');
    }
  }

  current(): PkiMaterialInfo | undefined {
    return this.info;
  }

  /** Serialised: two triggers at once do not race on the context. */
  reload(reason: string): Promise<ReloadOutcome> {
    const next = this.chain.then(() => this.reloadNow(reason));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(reason: string): Promise<ReloadOutcome> {
    if (!this.server) return 'unchanged';
    let b;
    try {
      b = await this.build();
    } catch (err) {
      if (isDatabaseUnavailable(err)) this.log.warn({ reason, err: (err as Error).message }, 'TLS material not reloaded: database unavailable; the current one stays in service');
      else this.log.error({ reason, err: (err as Error).message }, 'new TLS material refused; the current one stays in service');
      return 'refused';
    }
    if (b.digest === this.digest) return 'unchanged';
    try {
      this.server.setSecureContext(b.options);
    } catch (err) {
      this.log.error({ reason, err: (err as Error).message }, 'TLS context swap failed; the current one stays in service');
      return 'refused';
    }
    this.digest = b.digest;
    this.info = b.info;
    this.trusted = caList(b.options);
    this.log.info({ reason, serverCert: b.info.serverCert.fingerprint, clientCas: b.info.clientCas.length }, 'TLS context reloaded');
    return 'reloaded';
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}

function caList(options: TlsOptions): X509Certificate[] {
  return ((options.ca as Array<string | Buffer> | undefined) ?? []).map((pem) => new X509Certificate(pem));
}
