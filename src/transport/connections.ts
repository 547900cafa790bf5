import type { TLSSocket } from 'node:tls';
import type { IdentityResolver } from '../identity/resolver.js';
import { SoapFault } from '../soap/faults.js';

/**
 * Open TLS connections by client-certificate fingerprint, so that a revoke (or suspension) also
 * ends keep-alive connections already open with that certificate, not only new ones.
 */
export class ConnectionTracker {
  private readonly byFingerprint = new Map<string, Set<TLSSocket>>();

  constructor(private readonly identity: IdentityResolver) {
    identity.on('invalidated', (fp: string) => void this.recheck(fp));
  }

  track(socket: TLSSocket): void {
    const peer = this.identity.peerInfo(socket);
    if (!peer) return;
    const fp = peer.fingerprint;
    let set = this.byFingerprint.get(fp);
    if (!set) this.byFingerprint.set(fp, (set = new Set()));
    set.add(socket);
    socket.once('close', () => {
      set!.delete(socket);
      if (set!.size === 0 && this.byFingerprint.get(fp) === set) this.byFingerprint.delete(fp);
    });
  }

  private async recheck(fp: string): Promise<void> {
    const targets = fp === '*' ? [...this.byFingerprint.entries()] : [[fp, this.byFingerprint.get(fp)] as const];
    for (const [, sockets] of targets) {
      if (!sockets) continue;
      for (const socket of sockets) {
        try {
          await this.identity.resolve(socket);
        } catch (err) {
          // Only a refusal ends the connection; a database hiccup during the re-check must not
          // cut calls in flight (the next request re-checks anyway).
          if (err instanceof SoapFault) socket.destroy();
        }
      }
    }
  }
}
