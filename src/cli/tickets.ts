import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { TicketService } from '../domain/tickets/service.js';
import { flags, required, UsageError } from './args.js';
import type { Out } from './commands.js';

function agent(f: Record<string, unknown>): string {
  return `sav:${(f.agent as string | undefined) ?? process.env.USER ?? 'ops'}`;
}

async function withTickets<T>(config: Config, fn: (s: TicketService) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(new TicketService(db.pool));
  } catch (err) {
    // A refused transition says which ones are allowed: that is a usage message for ops.
    if (err instanceof DomainError) throw new UsageError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}

/** esav ticket advance <reference> --to <state> [--comment <text>] [--resolution <text>] [--agent <name>] */
export async function ticketAdvance(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { to: 'string', comment: 'string', resolution: 'string', agent: 'string' });
  const reference = f._ as string | undefined;
  if (!reference) throw new UsageError('give the ticket reference: esav ticket advance <reference> --to <state>');
  const to = required(f, 'to', 'the new state, e.g. EN_QUALIFICATION');
  const r = await withTickets(config, (s) =>
    s.advance({ reference, to, actor: agent(f), comment: f.comment as string | undefined, resolution: f.resolution as string | undefined }),
  );
  out(`${r.reference}: ${r.from} -> ${r.to} at ${r.at.toISOString()}`);
}

/** esav ticket comment <reference> <text> [--agent <name>] */
export async function ticketComment(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { agent: 'string' });
  const [reference, ...words] = ((f._ as string | undefined) ?? '').split(' ');
  const text = words.join(' ').trim();
  if (!reference || !text) throw new UsageError('usage: esav ticket comment <reference> <text>');
  await withTickets(config, (s) => s.savComment(reference, agent(f), text));
  out(`comment added to ${reference}`);
}
