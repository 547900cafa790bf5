import type { Pool } from '../../db/pool.js';
import type { NotificationHub } from '../../db/notifications.js';
import { findPrestation, type PrestationRow } from './repo.js';

/**
 * Prestations by id (owner and offer), read on every deposit and almost never changed: cached per
 * process, dropped on NOTIFY esav_prestation (a trigger on prestations and offers), bypassed while
 * the notification connection is down. The deposit's insert re-checks ownership in SQL anyway.
 */
export class PrestationCache {
  private readonly cache = new Map<string, Promise<PrestationRow | undefined>>();

  constructor(
    private readonly pool: Pool,
    private readonly hub?: NotificationHub,
  ) {
    hub?.on('esav_prestation', (id: string) => (id === '*' || !id ? this.cache.clear() : this.cache.delete(id)));
    hub?.on('reset', () => this.cache.clear());
  }

  /** The prestation if it belongs to this operator; another's looks like a missing one. */
  async own(siren: string, prestationId: string): Promise<PrestationRow | undefined> {
    let p: Promise<PrestationRow | undefined> | undefined;
    if (this.hub?.live) {
      p = this.cache.get(prestationId);
      if (!p) {
        p = findPrestation(this.pool, prestationId);
        this.cache.set(prestationId, p);
        p.catch(() => this.cache.delete(prestationId));
      }
    } else {
      p = findPrestation(this.pool, prestationId);
    }
    const row = await p;
    return row && row.operatorSiren === siren ? row : undefined;
  }
}
