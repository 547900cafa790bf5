// esav operator contact|contacts, esav outbox list|retry|flush: operators' notice addresses and
// the outbox for ops (docs/notices.md).
import type { Config } from '../config.js';
import { inTransaction } from '../db/pool.js';
import { flags, required, siren, UsageError } from './args.js';
import { withDb, type Out } from './commands.js';
import { findOperator } from '../domain/operators/repo.js';
import { CONTACT_ROLES, listContacts, operatorsWithContacts, removeContact, setContact, type ContactRole } from '../notices/contacts.js';
import { listOutbox, OUTBOX_STATUSES, releaseHeld, retryOutbox, type OutboxStatus } from '../notices/outbox.js';
import { EMAIL } from '../notices/settings.js';
import { createDelivery, OutboxSender } from '../notices/sender.js';
import { createLogger } from '../log.js';

export function email(v: string, flag = 'email'): string {
  if (!EMAIL.test(v) || v.length > 254) throw new UsageError(`--${flag} must be an e-mail address, got "${v}"`);
  return v;
}

export function role(v: string | undefined): ContactRole {
  const r = v ?? 'technique';
  if (!(CONTACT_ROLES as readonly string[]).includes(r)) throw new UsageError(`--role must be one of ${CONTACT_ROLES.join(', ')}, got "${r}"`);
  return r as ContactRole;
}

/** Adds a contact (used by operator add --email too); held notices of the operator go out. */
export async function addContact(config: Config, s: string, address: string, r: ContactRole): Promise<{ created: boolean; released: number }> {
  return withDb(config, (db) =>
    inTransaction(db.pool, async (c) => {
      if (!(await findOperator(db.pool, s))) throw new UsageError(`operator ${s} does not exist: add it with esav operator add`);
      const created = await setContact(c, { siren: s, email: address, role: r });
      const [op] = await operatorsWithContacts(c, s);
      return { created, released: await releaseHeld(c, s, op!.emails, new Date()) };
    }),
  );
}

export async function operatorContact(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { siren: 'string', email: 'string', role: 'string', remove: 'boolean' });
  const s = siren(required(f, 'siren'));
  const address = email(required(f, 'email', 'where the operator receives its notices'));
  if (f.remove) {
    if (f.role) throw new UsageError('--remove takes no --role');
    const gone = await withDb(config, (db) => removeContact(db.pool, s, address));
    if (!gone) throw new UsageError(`${address} is not a contact of operator ${s} (esav operator contacts --siren ${s})`);
    out(`contact ${address} removed from operator ${s}`);
    return;
  }
  const r = role(f.role as string | undefined);
  const { created, released } = await addContact(config, s, address, r);
  out(`contact ${address} (${r}) ${created ? 'added to' : 'updated for'} operator ${s}${released ? `; ${released} held notice(s) released` : ''}`);
}

export async function operatorContacts(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { siren: 'string' });
  const s = f.siren ? siren(f.siren as string) : undefined;
  await withDb(config, async (db) => {
    for (const c of await listContacts(db.pool, s)) out(`${c.siren} ${c.role} ${c.email}`);
  });
}

const oneLine = (s: string | null, n = 120) => (s ?? '').replace(/\s+/g, ' ').slice(0, n);

export async function outboxList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { status: 'string', kind: 'string', limit: 'string' });
  const status = f.status as string | undefined;
  if (status !== undefined && !OUTBOX_STATUSES.includes(status as OutboxStatus)) throw new UsageError(`--status must be one of ${OUTBOX_STATUSES.join(', ')}, got "${status}"`);
  const limit = f.limit === undefined ? 200 : Number(f.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${f.limit}"`);
  await withDb(config, async (db) => {
    for (const r of await listOutbox(db.pool, { status: status as OutboxStatus | undefined, kind: f.kind as string | undefined, limit })) {
      const when = r.status === 'sent' ? `sent ${r.sentAt!.toISOString()}` : r.status === 'pending' ? `next ${r.nextAttemptAt.toISOString()}` : `created ${r.createdAt.toISOString()}`;
      out(`${r.id} ${r.status} ${r.kind} attempts=${r.attempts} ${when} to=${r.to.join(',') || '-'} "${oneLine(r.subject)}"` +
        (r.lastError && r.status !== 'sent' ? ` error: ${oneLine(r.lastError, 300)}` : ''));
    }
  });
}

export async function outboxRetry(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { id: 'string' });
  const id = Number(required(f, 'id', 'the notice number (esav outbox list --status failed)'));
  if (!Number.isInteger(id) || id < 1) throw new UsageError(`--id must be a notice number, got "${f.id}"`);
  await withDb(config, async (db) => {
    const r = await retryOutbox(db.pool, id, new Date());
    if (typeof r === 'string') throw new UsageError(r);
    out(`notice ${id} pending again, to ${r.to.join(', ')} (a running gateway sends it; or esav outbox flush)`);
  });
}

/** Sends what is due now from this process (no gateway running, or to check the SMTP settings). */
export async function outboxFlush(config: Config, argv: string[], out: Out): Promise<void> {
  flags(argv, {});
  await withDb(config, async (db) => {
    const sender = new OutboxSender(db.pool, createDelivery(config.mail), config.mail, () => new Date(), createLogger('silent'));
    try {
      const r = await sender.runOnce();
      out(`sent ${r.sent}, to retry ${r.retried}, failed ${r.failed}`);
    } finally {
      await sender.stop();
    }
  });
}
