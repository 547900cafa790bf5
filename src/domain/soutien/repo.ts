// SQL of e-soutien tickets and their exchanges.
import type { Pool, PoolClient } from '../../db/pool.js';

type Db = Pool | PoolClient;

export const CATEGORIES = ['DYSFONCTIONNEMENT', 'DEMANDE_SOUTIEN', 'CERTIFICAT', 'AUTRE'] as const;
export type Category = (typeof CATEGORIES)[number];
export type SoutienState = 'OUVERT' | 'CLOS';

export interface SoutienTicket {
  reference: string;
  siren: string;
  operatorName: string;
  subject: string;
  description: string;
  category: Category;
  service: string | null;
  serviceVersion: string | null;
  requestId: string | null;
  contactEmail: string;
  state: SoutienState;
  openedAt: Date;
  handlingFrom: Date;
  closedAt: Date | null;
  closedBy: string | null;
  resolution: string | null;
}

export interface SoutienMessage {
  id: number;
  author: 'OPERATEUR' | 'SOUTIEN';
  agent: string | null;
  text: string;
  at: Date;
}

const COLUMNS = `t.reference, t.operator_siren AS siren, o.name AS "operatorName", t.subject, t.description, t.category, t.service,
  t.service_version AS "serviceVersion", t.request_id AS "requestId", t.contact_email AS "contactEmail", t.state, t.opened_at AS "openedAt",
  t.handling_from AS "handlingFrom", t.closed_at AS "closedAt", t.closed_by AS "closedBy", t.resolution`;
const FROM = 'soutien_tickets t JOIN operators o ON o.siren = t.operator_siren';

export type NewSoutienTicket = Omit<SoutienTicket, 'operatorName' | 'state' | 'closedAt' | 'closedBy' | 'resolution'>;

/** Inserts the ticket; false when the reference is taken (the caller draws another). */
export async function insertTicket(db: Db, t: NewSoutienTicket): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO soutien_tickets (reference, operator_siren, subject, description, category, service, service_version, request_id, contact_email, opened_at, handling_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (reference) DO NOTHING`,
    [t.reference, t.siren, t.subject, t.description, t.category, t.service, t.serviceVersion, t.requestId, t.contactEmail, t.openedAt, t.handlingFrom],
  );
  return (r.rowCount ?? 0) === 1;
}

/** The ticket; `lock` holds it for the transaction (a complement and a closing do not cross). */
export async function findTicket(db: Db, reference: string, opts: { siren?: string; lock?: boolean } = {}): Promise<SoutienTicket | undefined> {
  const r = await db.query(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE t.reference = $1 ${opts.siren ? 'AND t.operator_siren = $2' : ''} ${opts.lock ? 'FOR UPDATE OF t' : ''}`,
    opts.siren ? [reference, opts.siren] : [reference],
  );
  return r.rows[0];
}

export async function listTickets(db: Db, f: { siren?: string; state?: SoutienState; limit?: number } = {}): Promise<SoutienTicket[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.siren) where.push(`t.operator_siren = $${args.push(f.siren)}`);
  if (f.state) where.push(`t.state = $${args.push(f.state)}`);
  const r = await db.query(
    `SELECT ${COLUMNS} FROM ${FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t.opened_at DESC, t.reference LIMIT $${args.push(f.limit ?? 100)}`,
    args,
  );
  return r.rows;
}

export async function addMessage(db: Db, reference: string, m: Omit<SoutienMessage, 'id'>): Promise<SoutienMessage> {
  const r = await db.query(
    `INSERT INTO soutien_messages (reference, author, agent, text, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id::int AS id`,
    [reference, m.author, m.agent, m.text, m.at],
  );
  return { ...m, id: r.rows[0].id };
}

export async function listMessages(db: Db, reference: string): Promise<SoutienMessage[]> {
  const r = await db.query(`SELECT id::int AS id, author, agent, text, created_at AS at FROM soutien_messages WHERE reference = $1 ORDER BY id`, [reference]);
  return r.rows;
}

export async function closeTicket(db: Db, reference: string, by: string, resolution: string, at: Date): Promise<void> {
  await db.query(`UPDATE soutien_tickets SET state = 'CLOS', closed_at = $2, closed_by = $3, resolution = $4 WHERE reference = $1`, [reference, at, by, resolution]);
}
