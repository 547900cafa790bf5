import type { Pool } from '../../db/pool.js';
import { insertTickets, type InsertOutcome, type NewTicket } from './repo.js';
import { newReference } from './reference.js';

interface Pending {
  ticket: NewTicket;
  resolve(out: InsertOutcome | undefined): void;
  reject(err: unknown): void;
}

/**
 * Group commit for deposits. Deposits that arrive while earlier ones are being committed wait
 * and go together in the next statement: one round trip, one transaction, one WAL flush for the
 * group instead of one each. Nothing is acknowledged before its group has committed (fsync and
 * synchronous_commit stay on). An idle gateway adds no delay: a lone deposit goes at once.
 * At most `maxInFlight` groups per process commit at a time: one by default, which makes the
 * largest groups (measured on 2 cores with 2 workers: 0.12-0.14 ms of PostgreSQL CPU per deposit
 * against 0.18 with two groups in flight, and ~10% more deposits per second).
 */
export class DepositBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly maxBatch = 64,
    private readonly maxInFlight = 1,
  ) {}

  /** Resolves once committed: the outcome, or undefined when the prestation is no longer the operator's. */
  submit(ticket: NewTicket): Promise<InsertOutcome | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ticket, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.commit(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    // Two retries of one external reference in the same group: insert the first, answer both from it.
    const leaders = new Map<string, Pending>();
    const followers: Array<[Pending, Pending]> = [];
    const inserted: Pending[] = [];
    for (const p of group) {
      const key = p.ticket.externalRef === undefined ? undefined : `${p.ticket.siren}\u0000${p.ticket.externalRef}`;
      const leader = key === undefined ? undefined : leaders.get(key);
      if (leader) followers.push([p, leader]);
      else {
        if (key !== undefined) leaders.set(key, p);
        inserted.push(p);
      }
    }
    try {
      const results = await this.insertWithFreshReferences(inserted.map((p) => p.ticket));
      for (const p of inserted) p.resolve(results.get(p.ticket));
      for (const [p, leader] of followers) {
        const r = results.get(leader.ticket);
        p.resolve(r && { ...r, created: false });
      }
    } catch (err) {
      for (const p of group) p.reject(err);
    }
  }

  /** A random reference may (very rarely) exist already: draw new ones for the group and retry. */
  private async insertWithFreshReferences(tickets: NewTicket[]): Promise<Map<NewTicket, InsertOutcome>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await insertTickets(this.pool, tickets);
      } catch (err) {
        const e = err as { code?: string; constraint?: string };
        if (attempt >= 4 || e.code !== '23505' || e.constraint !== 'tickets_reference_key') throw err;
        for (const t of tickets) t.reference = newReference(t.at);
      }
    }
  }
}
