import type { Pool } from '../../db/pool.js';
import { insertTickets, type InsertOutcome, type NewTicket } from './repo.js';
import { newReference } from './reference.js';
import { GroupWriter } from '../../db/groupWriter.js';

/**
 * Group commit for deposits. Deposits that arrive while earlier ones are being committed wait
 * and go together in the next statement: one round trip, one transaction, one WAL flush for the
 * group instead of one each. Nothing is acknowledged before its group has committed (fsync and
 * synchronous_commit stay on). An idle gateway adds no delay: a lone deposit goes at once.
 * At most `maxInFlight` groups per process commit at a time: one by default, which makes the
 * largest groups (measured on 2 cores with 2 workers: 0.12-0.14 ms of PostgreSQL CPU per deposit
 * against 0.18 with two groups in flight, and ~10% more deposits per second; again after
 * migration 015: 0.10 against 0.14 ms, and no more deposits with two in flight).
 * After each group, the next one lingers for `lingerTurns` turns of the event loop, so deposits
 * already received join it (measured with 2 workers: groups of 3.7 -> 5.3 tickets, PostgreSQL
 * 0.09 -> 0.07 ms a deposit, ~5-8% more deposits a second; 4, 8 and 16 turns alike within the spread).
 */
export class DepositBatcher {
  private readonly groups: GroupWriter<NewTicket, InsertOutcome | undefined>;

  constructor(
    private readonly pool: Pool,
    maxBatch = 64,
    maxInFlight = 1,
    lingerTurns = 8,
  ) {
    this.groups = new GroupWriter((tickets) => this.commit(tickets), maxBatch, maxInFlight, lingerTurns);
  }

  /** Resolves once committed: the outcome, or undefined when the prestation is no longer the operator's. */
  submit(ticket: NewTicket): Promise<InsertOutcome | undefined> {
    return this.groups.submit(ticket);
  }

  /** One outcome per ticket, in order. */
  private async commit(group: NewTicket[]): Promise<Array<InsertOutcome | undefined>> {
    // Two retries of one external reference in the same group: insert the first, answer both from it.
    const leaders = new Map<string, NewTicket>();
    const leaderOf = new Map<NewTicket, NewTicket>();
    const inserted: NewTicket[] = [];
    for (const t of group) {
      const key = t.externalRef === undefined ? undefined : `${t.siren}\u0000${t.externalRef}`;
      const leader = key === undefined ? undefined : leaders.get(key);
      if (leader) leaderOf.set(t, leader);
      else {
        if (key !== undefined) leaders.set(key, t);
        inserted.push(t);
      }
    }
    const results = await this.insertWithFreshReferences(inserted);
    return group.map((t) => {
      const leader = leaderOf.get(t);
      if (!leader) return results.get(t);
      const r = results.get(leader);
      return r && { ...r, created: false };
    });
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
