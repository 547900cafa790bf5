import { EventEmitter } from 'node:events';
import type { TLSSocket } from 'node:tls';
import type { Pool } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import { clientFault } from '../soap/faults.js';
import { fingerprintOf, hasClientAuth, type Scope } from '../pki/certs.js';
import { findCertificate, type CertificateRow } from './repo.js';
import { audit, recordUse } from '../pki/store.js';
import type { Logger } from '../log.js';

// last_used_at is for the six-month rule: writing it once per certificate every few minutes per
// process is plenty, and keeps a write off almost every request.
const USE_RECORD_INTERVAL_MS = 5 * 60_000;

export interface Identity {
  fingerprint: string;
  siren: string;
  operatorName: string;
  scope: Scope;
}

export interface PeerInfo {
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
  // The same rows once read (undefined: no such certificate), for the synchronous path: a
  // request whose certificate is known is checked without the three promise hops of resolve().
  private readonly settled = new Map<string, CertificateRow | undefined>();
  // The peer certificate cannot change on a connection (renegotiation is off): read it once per socket.
  private readonly peers = new WeakMap<TLSSocket, PeerInfo | null>();

  private readonly usesRecorded = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly hub: NotificationHub,
    private readonly log?: Logger,
  ) {
    super();
    hub.on('esav_identity', (fp: string) => this.invalidate(fp || '*'));
    hub.on('reset', () => this.invalidate('*'));
  }

  invalidate(fingerprint: string): void {
    if (fingerprint === '*') {
      this.cache.clear();
      this.settled.clear();
    } else {
      this.cache.delete(fingerprint);
      this.settled.delete(fingerprint);
    }
    this.emit('invalidated', fingerprint);
  }

  /** The connection's client certificate, digested once per TLS connection; null without one. */
  peerInfo(socket: TLSSocket): PeerInfo | null {
    let info = this.peers.get(socket);
    if (info === undefined) {
      const cert = socket.getPeerX509Certificate?.();
      info = cert ? { fingerprint: fingerprintOf(cert), clientAuth: hasClientAuth(cert) } : null;
      this.peers.set(socket, info);
    }
    return info;
  }

  private lookup(fingerprint: string): Promise<CertificateRow | undefined> {
    // While notifications are not flowing, do not trust the cache.
    if (!this.hub.live) return findCertificate(this.pool, fingerprint);
    let p = this.cache.get(fingerprint);
    if (!p) {
      const read = findCertificate(this.pool, fingerprint);
      this.cache.set(fingerprint, (p = read));
      // Only while this read is still the cached one: an invalidation meanwhile wins.
      read.then(
        (row) => this.cache.get(fingerprint) === read && this.settled.set(fingerprint, row),
        () => this.cache.get(fingerprint) === read && this.cache.delete(fingerprint),
      );
    }
    return p;
  }

  /** Resolves the caller or throws the Client fault that tells the integrator what to fix. */
  async resolve(socket: TLSSocket, now = new Date()): Promise<Identity> {
    return this.resolvePeer(this.peerInfo(socket), now);
  }

  /**
   * resolve() without waiting, when the certificate's row is in memory (every request but the
   * first of a certificate after a change): the caller, or the same fault; undefined when the
   * row must be read first (then call resolve()).
   */
  resolveNow(socket: TLSSocket, now = new Date()): Identity | undefined {
    return this.resolvePeerNow(this.peerInfo(socket), now);
  }

  /** resolveNow() from the digested peer certificate. */
  resolvePeerNow(peer: PeerInfo | null, now = new Date()): Identity | undefined {
    if (!peer || !peer.clientAuth) return undefined; // resolvePeer() answers those faults
    if (!this.hub.live || !this.settled.has(peer.fingerprint)) return undefined;
    return this.check(peer, this.settled.get(peer.fingerprint), now);
  }

  /** The same checks from the digested peer certificate; `now` can be pinned (tests, audits). */
  async resolvePeer(peer: PeerInfo | null, now = new Date()): Promise<Identity> {
    if (!peer) throw clientFault('CERTIFICAT_ABSENT', 'Un certificat client est requis (authentification mutuelle TLS).');
    if (!peer.clientAuth) {
      throw clientFault('CERTIFICAT_USAGE_INCORRECT', 'Le certificat ne porte pas l\'usage étendu clientAuth (1.3.6.1.5.5.7.3.2) : demandez un certificat client e-SAV.');
    }
    return this.check(peer, await this.lookup(peer.fingerprint), now);
  }

  /** The certificate's row against the rules of article 5.2: the caller, or the fault to answer. */
  private check(peer: PeerInfo, row: CertificateRow | undefined, now: Date): Identity {
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
    this.noteUse(row.fingerprint, now);
    return { fingerprint: row.fingerprint, siren: row.siren, operatorName: row.operatorName, scope: row.scope };
  }

  /**
   * Records the use (never delaying the request): the six-month rule reads last_used_at, and the
   * first use of a renewal's successor supersedes its predecessor.
   */
  private noteUse(fingerprint: string, now: Date): void {
    const last = this.usesRecorded.get(fingerprint);
    if (last !== undefined && now.getTime() - last < USE_RECORD_INTERVAL_MS && now.getTime() >= last) return;
    this.usesRecorded.set(fingerprint, now.getTime());
    recordUse(this.pool, fingerprint, now)
      .then(async (superseded) => {
        for (const s of superseded) {
          await audit(this.pool, { actor: 'gateway', action: 'supersede', siren: s.siren, fingerprint: s.fingerprint, details: { by: fingerprint, why: 'successor first used' } }, this.log);
        }
      })
      .catch((err: Error) => {
        this.usesRecorded.delete(fingerprint);
        this.log?.warn({ err: err.message, fingerprint }, 'could not record certificate use');
      });
  }
}
