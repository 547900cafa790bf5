import type { Pool } from '../../db/pool.js';
import type { NotificationHub } from '../../db/notifications.js';
import { findTicketState } from './repo.js';

type State = { state: string; stateSince: Date; ftth: boolean; siren: string };

/**
 * Ticket states for consulterEtatSignalisation, which operators' systems poll all day. Cached
 * per process; a trigger NOTIFYs `esav_ticket` when a ticket's state changes, and every process
 * drops that entry (a state read in the few milliseconds before the notification arrives may be
 * the previous one, as it would be had the query come a moment earlier). Bypassed while the
 * notification connection is down. Bounded: the oldest entries go first.
 */
export class TicketStateCache {
  private readonly cache = new Map<string, Promise<State | undefined>>();

  constructor(
    private readonly pool: Pool,
    private readonly hub?: NotificationHub,
    private readonly maxEntries = 100_000,
  ) {
    hub?.on('esav_ticket', (reference: string) => this.cache.delete(reference));
    hub?.on('reset', () => this.cache.clear());
  }

  /** This process changed the ticket: drop it now, without waiting for the notification. */
  invalidate(reference: string): void {
    this.cache.delete(reference);
  }

  async get(reference: string, siren: string): Promise<State | undefined> {
    if (!this.hub?.live) return findTicketState(this.pool, reference, siren);
    let p = this.cache.get(reference);
    if (!p) {
      p = findTicketState(this.pool, reference);
      // Not found is not cached: a ticket being deposited right now must be seen next time.
      p.then((r) => r || this.cache.delete(reference), () => this.cache.delete(reference));
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(reference, p);
    }
    const row = await p;
    return row && row.siren === siren ? row : undefined;
  }
}
