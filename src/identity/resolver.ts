import { EventEmitter } from 'node:events';
import type { X509Certificate } from 'node:crypto';
import pg from 'pg';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import { clientFault } from '../soap/faults.js';
import { fingerprintOf, hasClientAuth, type Scope } from '../pki/certs.js';
import { findCertificate, type CertificateRow } from './repo.js';

export interface Identity {
  fingerprint: string;
  siren: string;
  operatorName: string;
  scope: Scope;
}

interface PeerInfo {
  fingerprint: string;
  clientAuth: boolean;
}

/**
 * Who is calling: SHA-256 of the peer certificate -> registered certificate -> operator and scope.
 * Lookups are cached per process; every process LISTENs on `esav_identity`, which a trigger
 * notifies on any certificate or suspension change, so a revoke counts from the next request.
 * Emits 'invalidated' (fingerprint | '*') so the transport can close connections of that cert.
 */
export class IdentityResolver extends EventEmitter {
  private readonly cache = new Map<string, Promise<CertificateRow | undefined>>();
  private readonly peers = new WeakMap<X509Certificate, PeerInfo>();
  private listener?: pg.Client;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly databaseUrl: string,
    private readonly log: Logger,
  ) {
    super();
  }

  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'esav-identity-listener' });
    client.on('notification', (msg) => this.invalidate(msg.payload ?? '*'));
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'identity listener lost; cache cleared, reconnecting');
      this.reconnect();
    });
    await client.connect();
    await client.query('LISTEN esav_identity');
    this.listener = client;
  }

  private reconnect(): void {
    // Without notifications a revoke could be missed: drop the cache and keep retrying.
    this.cache.clear();
    this.listener = undefined;
    if (this.closed) return;
    setTimeout(() => {
      this.listen().catch(() => this.reconnect());
    }, 1000).unref();
  }

  invalidate(fingerprint: string): void {
    if (fingerprint === '*') this.cache.clear();
    else this.cache.delete(fingerprint);
    this.emit('invalidated', fingerprint);
  }

  peerInfo(cert: X509Certificate): PeerInfo {
    let info = this.peers.get(cert);
    if (!info) {
      info = { fingerprint: fingerprintOf(cert), clientAuth: hasClientAuth(cert) };
      this.peers.set(cert, info);
    }
    return info;
  }

  private lookup(fingerprint: string): Promise<CertificateRow | undefined> {
    // While notifications are not flowing, do not trust the cache.
    if (!this.listener) return findCertificate(this.pool, fingerprint);
    let p = this.cache.get(fingerprint);
    if (!p) {
      p = findCertificate(this.pool, fingerprint);
      this.cache.set(fingerprint, p);
      p.catch(() => this.cache.delete(fingerprint));
    }
    return p;
  }

  /** Resolves the caller or throws the Client fault that tells the integrator what to fix. */
  async resolve(cert: X509Certificate, now = new Date()): Promise<Identity> {
    const peer = this.peerInfo(cert);
    if (!peer.clientAuth) {
      throw clientFault('CERTIFICAT_USAGE_INCORRECT', 'Le certificat ne porte pas l\'usage étendu clientAuth (1.3.6.1.5.5.7.3.2) : demandez un certificat client e-SAV.');
    }
    const row = await this.lookup(peer.fingerprint);
    if (!row) {
      throw clientFault('CERTIFICAT_INCONNU', `Le certificat (SHA-256 ${peer.fingerprint}) n'est enregistré pour aucun opérateur : faites-le enregistrer par le Fournisseur.`);
    }
    if (row.status === 'revoked') throw clientFault('CERTIFICAT_REVOQUE', 'Ce certificat a été révoqué : utilisez un certificat actif.');
    if (row.status !== 'active' && row.status !== 'superseded') {
      throw clientFault('CERTIFICAT_INACTIF', `Ce certificat est ${row.status === 'disabled' ? 'désactivé' : 'inactif'} : contactez le Fournisseur.`);
    }
    if (now > row.notAfter) throw clientFault('CERTIFICAT_EXPIRE', `Ce certificat a expiré le ${row.notAfter.toISOString()} : installez son successeur.`);
    if (now < row.notBefore) throw clientFault('CERTIFICAT_PAS_ENCORE_VALIDE', `Ce certificat n'est valide qu'à partir du ${row.notBefore.toISOString()}.`);
    if (row.suspended) throw clientFault('OPERATEUR_SUSPENDU', 'L\'accès de cet opérateur est suspendu : contactez le Fournisseur (e-soutien).');
    return { fingerprint: row.fingerprint, siren: row.siren, operatorName: row.operatorName, scope: row.scope };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }
}
