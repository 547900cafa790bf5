// The durable outbox: a notice is a row, enqueued inside the caller's transaction (so a recorded
// change always has its notice, and a rolled-back one has none), once per dedupe key.
import type { Db } from './contacts.js';
import { operatorsWithContacts } from './contacts.js';
import type { OperatorRef } from './texts.js';

export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'held';
export const OUTBOX_STATUSES: OutboxStatus[] = ['pending', 'sent', 'failed', 'held'];

export interface Notice {
  /** What it is (maintenance, limite-debit, evolution, certificat, soutien-...): for ops' lists. */
  kind: string;
  /** Unique: a second enqueue with the same key does nothing. */
  dedupeKey: string;
  /** Recipients; none: the row is held until the operator has a contact. */
  to: string[];
  subject: string;
  text: string;
  siren?: string | null;
  replyTo?: string;
}

export interface OutboxRow {
  id: number;
  dedupeKey: string;
  kind: string;
  siren: string | null;
  to: string[];
  subject: string;
  text: string;
  replyTo: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  delivery: string | null;
}

export const OUTBOX_COLUMNS = `id::int AS id, dedupe_key AS "dedupeKey", kind, operator_siren AS siren, recipients AS "to", subject, body AS text,
  reply_to AS "replyTo", status, attempts, next_attempt_at AS "nextAttemptAt", last_error AS "lastError", created_at AS "createdAt",
  sent_at AS "sentAt", delivery`;

export const NO_CONTACT = (siren: string) =>
  `operator ${siren} has no contact e-mail: add one with esav operator contact --siren ${siren} --email <address> (held notices are released then)`;

/** Enqueues a notice; `created` is false when its dedupe key was already there. */
export async function enqueue(db: Db, n: Notice, now: Date): Promise<{ created: boolean; id?: number }> {
  const to = [...new Set(n.to)];
  const held = to.length === 0;
  const r = await db.query(
    `INSERT INTO outbox (dedupe_key, kind, operator_siren, recipients, subject, body, reply_to, status, next_attempt_at, last_error, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id::int AS id`,
    [n.dedupeKey, n.kind, n.siren ?? null, to, n.subject, n.text, n.replyTo ?? null, held ? 'held' : 'pending', now,
      held ? (n.siren ? NO_CONTACT(n.siren) : 'no recipient') : null],
  );
  return r.rowCount ? { created: true, id: r.rows[0].id } : { created: false };
}

/** What an operator's notice says: the recipients are its contacts. */
export type OperatorNotice = Omit<Notice, 'to' | 'siren'>;

/**
 * One notice per operator (all of them, or one), each to that operator's contacts: operators never
 * see each other's addresses. Returns how many were new.
 */
export async function notifyOperators(db: Db, siren: string | null, build: (op: OperatorRef) => OperatorNotice, now: Date): Promise<number> {
  let created = 0;
  for (const op of await operatorsWithContacts(db, siren)) {
    const n = build(op);
    if ((await enqueue(db, { ...n, to: op.emails, siren: op.siren }, now)).created) created++;
  }
  return created;
}

/** The operator has a contact now: its held notices go out. */
export async function releaseHeld(db: Db, siren: string, emails: string[], now: Date): Promise<number> {
  if (emails.length === 0) return 0;
  const r = await db.query(
    `UPDATE outbox SET recipients = $2, status = 'pending', next_attempt_at = $3, last_error = NULL WHERE operator_siren = $1 AND status = 'held'`,
    [siren, emails, now],
  );
  return r.rowCount ?? 0;
}

export async function listOutbox(db: Db, opts: { status?: OutboxStatus; kind?: string; limit?: number } = {}): Promise<OutboxRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (opts.status) where.push(`status = $${args.push(opts.status)}`);
  if (opts.kind) where.push(`kind = $${args.push(opts.kind)}`);
  const r = await db.query(
    `SELECT ${OUTBOX_COLUMNS} FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${args.push(opts.limit ?? 200)}`,
    args,
  );
  return r.rows;
}

export async function getOutbox(db: Db, id: number): Promise<OutboxRow | undefined> {
  return (await db.query(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = $1`, [id])).rows[0];
}

/**
 * Ops send a failed (or held) notice again: back to pending with a fresh count of attempts; a held
 * one takes the operator's current contacts. Returns the row, or why it cannot.
 */
export async function retryOutbox(db: Db, id: number, now: Date): Promise<OutboxRow | string> {
  const row = await getOutbox(db, id);
  if (!row) return `no notice ${id} (esav outbox list)`;
  if (row.status === 'sent' || row.status === 'pending') return `notice ${id} is ${row.status}: only failed or held notices are sent again`;
  let to = row.to;
  if (row.siren) {
    const [op] = await operatorsWithContacts(db, row.siren);
    if (op && op.emails.length) to = op.emails;
  }
  if (to.length === 0) return row.siren ? NO_CONTACT(row.siren) : 'no recipient';
  await db.query(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, recipients = $3, last_error = NULL WHERE id = $1`, [id, now, to]);
  return (await getOutbox(db, id))!;
}
