import type { Pool, PoolClient } from '../../db/pool.js';

export interface PrestationRow {
  prestationId: string;
  operatorSiren: string;
  offerCode: string;
  ftth: boolean;
  codeInsee: string | null;
}

export async function findPrestation(pool: Pool, prestationId: string): Promise<PrestationRow | undefined> {
  const r = await pool.query({
    name: 'prestation-find',
    text: `SELECT p.prestation_id, p.operator_siren, p.offer_code, o.ftth, p.code_insee
             FROM prestations p JOIN offers o ON o.code = p.offer_code WHERE p.prestation_id = $1`,
    values: [prestationId],
  });
  const row = r.rows[0];
  return row && { prestationId: row.prestation_id, operatorSiren: row.operator_siren, offerCode: row.offer_code, ftth: row.ftth, codeInsee: row.code_insee };
}

export interface NewTicket {
  reference: string;
  siren: string;
  prestationId: string;
  offerCode: string;
  serviceVersion: string;
  faultCode: string;
  faultLabel: string;
  comment?: string;
  externalRef?: string;
  requestHash: string;
  details: object;
  at: Date;
  actor: string;
}

/** What the insert returned for one new ticket, or the existing ticket of an external reference. */
export interface InsertOutcome {
  reference: string;
  state: string;
  depositedAt: Date;
  requestHash: string;
  created: boolean;
}

/**
 * Inserts several tickets and their first events in ONE statement, hence one transaction, one
 * round trip and one WAL flush for the whole group (group commit: see depositBatcher.ts).
 * Ownership of the prestation is re-checked in the join. A ticket whose (operator,
 * referenceExterne) exists is not inserted (ON CONFLICT DO NOTHING: a concurrent insert of the
 * same pair is waited for); the existing one is returned with created=false. An entry missing
 * from the result had a prestation that is no longer the operator's.
 */
export async function insertTickets(pool: Pool, items: NewTicket[]): Promise<Map<NewTicket, InsertOutcome>> {
  // The group travels as one JSON array (one JSON.stringify, native) rather than thirteen text
  // arrays that node-postgres escapes element by element; details stay a JSON value in it. Read
  // as json, not jsonb: json_to_recordset walks the text once, where a jsonb parameter is first
  // built into a whole jsonb value (keys sorted) and then walked (~20 us less a group of 5).
  const rows = items.map((t) => ({
    reference: t.reference, siren: t.siren, prestation_id: t.prestationId, offer_code: t.offerCode, service_version: t.serviceVersion,
    fault_code: t.faultCode, fault_label: t.faultLabel, comment: t.comment, external_ref: t.externalRef, request_hash: t.requestHash,
    details: t.details, at: t.at, actor: t.actor,
  }));
  const r = await pool.query({
    name: 'tickets-insert-group',
    text: `WITH input AS (
             SELECT * FROM json_to_recordset($1::json)
               AS i(reference text, siren text, prestation_id text, offer_code text, service_version text, fault_code text, fault_label text,
                    comment text, external_ref text, request_hash text, details jsonb, at timestamptz, actor text)
           ), t AS (
             INSERT INTO tickets (reference, operator_siren, prestation_id, offer_code, service_version, state, state_since,
                                  fault_code, fault_label, comment, external_ref, request_hash, deposited_at, last_interaction_at, details)
             SELECT i.reference, i.siren, i.prestation_id, i.offer_code, i.service_version, 'EN_DEPOT', i.at,
                    i.fault_code, i.fault_label, i.comment, i.external_ref, i.request_hash, i.at, i.at, i.details
               FROM input i JOIN prestations p ON p.prestation_id = i.prestation_id AND p.operator_siren = i.siren
             ON CONFLICT (operator_siren, external_ref) DO NOTHING
             RETURNING id, reference
           ), e AS (
             INSERT INTO ticket_events (ticket_id, at, from_state, to_state, actor, comment)
             SELECT t.id, i.at, NULL, 'EN_DEPOT', i.actor, 'Dépôt de la signalisation'
               FROM t JOIN input i ON i.reference = t.reference
           )
           SELECT reference FROM t`,
    values: [JSON.stringify(rows)],
  });
  // A new ticket is what was sent: state EN_DEPOT, deposited at its own `at`.
  const created = new Set(r.rows.map((row) => row.reference as string));
  const out = new Map<NewTicket, InsertOutcome>();
  const retried: NewTicket[] = [];
  for (const t of items) {
    if (created.has(t.reference)) out.set(t, { reference: t.reference, state: 'EN_DEPOT', depositedAt: t.at, requestHash: t.requestHash, created: true });
    else if (t.externalRef) retried.push(t);
  }
  if (retried.length) {
    const existing = await pool.query({
      name: 'tickets-by-external-ref',
      text: `SELECT t.operator_siren, t.external_ref, t.reference, t.state, t.deposited_at, t.request_hash
               FROM tickets t JOIN unnest($1::text[], $2::text[]) AS k(siren, external_ref)
                 ON t.operator_siren = k.siren AND t.external_ref = k.external_ref`,
      values: [retried.map((t) => t.siren), retried.map((t) => t.externalRef)],
    });
    const byKey = new Map(existing.rows.map((e) => [`${e.operator_siren}\u0000${e.external_ref}`, e]));
    for (const t of retried) {
      const e = byKey.get(`${t.siren}\u0000${t.externalRef}`);
      if (e) out.set(t, { reference: e.reference, state: e.state, depositedAt: e.deposited_at, requestHash: e.request_hash, created: false });
    }
  }
  return out;
}

export interface TicketRow {
  id: string;
  reference: string;
  siren: string;
  prestationId: string;
  offerCode: string;
  ftth: boolean;
  guaranteeLevel: string | null;
  refPto: string | null;
  endA: string | null;
  endZ: string | null;
  prestationInfo: string | null;
  serviceVersion: string;
  state: string;
  stateSince: Date;
  faultCode: string;
  faultLabel: string;
  comment: string | null;
  externalRef: string | null;
  depositedAt: Date;
  lastInteractionAt: Date;
  closedAt: Date | null;
  details: Record<string, any>;
}

const TICKET_COLUMNS = `t.id, t.reference, t.operator_siren, t.prestation_id, t.offer_code, o.ftth, o.guarantee_level,
  p.ref_pto, p.end_a, p.end_z, p.info, t.service_version, t.state, t.state_since, t.fault_code, t.fault_label,
  t.comment, t.external_ref, t.deposited_at, t.last_interaction_at, t.closed_at, t.details`;
const TICKET_FROM = `tickets t JOIN offers o ON o.code = t.offer_code JOIN prestations p ON p.prestation_id = t.prestation_id`;

function toTicket(r: Record<string, any>): TicketRow {
  return {
    id: r.id, reference: r.reference, siren: r.operator_siren, prestationId: r.prestation_id, offerCode: r.offer_code,
    ftth: r.ftth, guaranteeLevel: r.guarantee_level, refPto: r.ref_pto, endA: r.end_a, endZ: r.end_z, prestationInfo: r.info,
    serviceVersion: r.service_version, state: r.state, stateSince: r.state_since, faultCode: r.fault_code, faultLabel: r.fault_label,
    comment: r.comment, externalRef: r.external_ref, depositedAt: r.deposited_at, lastInteractionAt: r.last_interaction_at,
    closedAt: r.closed_at, details: r.details,
  };
}

/** A ticket of this operator (siren undefined: any operator, for the provider's SAV). */
export async function findTicket(pool: Pool | PoolClient, reference: string, siren?: string, forUpdate = false): Promise<TicketRow | undefined> {
  const r = await pool.query(
    `SELECT ${TICKET_COLUMNS} FROM ${TICKET_FROM} WHERE t.reference = $1 AND ($2::text IS NULL OR t.operator_siren = $2)${forUpdate ? ' FOR UPDATE OF t' : ''}`,
    [reference, siren ?? null],
  );
  return r.rows[0] && toTicket(r.rows[0]);
}

/** The hot path of consulterEtatSignalisation: one indexed row. With siren: only that operator's ticket. */
export async function findTicketState(pool: Pool, reference: string, siren?: string): Promise<{ state: string; stateSince: Date; ftth: boolean; siren: string } | undefined> {
  const r = await pool.query({
    name: 'ticket-state',
    text: `SELECT t.state, t.state_since, o.ftth, t.operator_siren FROM tickets t JOIN offers o ON o.code = t.offer_code
            WHERE t.reference = $1 AND ($2::text IS NULL OR t.operator_siren = $2)`,
    values: [reference, siren ?? null],
  });
  const row = r.rows[0];
  return row && { state: row.state, stateSince: row.state_since, ftth: row.ftth, siren: row.operator_siren };
}

export interface EventRow { at: Date; fromState: string | null; toState: string; actor: string; comment: string | null }
export interface CommentRow { at: Date; author: 'sav' | 'operateur'; actor: string; body: string }

export async function ticketEvents(pool: Pool, ticketId: string): Promise<EventRow[]> {
  const r = await pool.query('SELECT at, from_state, to_state, actor, comment FROM ticket_events WHERE ticket_id = $1 ORDER BY id', [ticketId]);
  return r.rows.map((e) => ({ at: e.at, fromState: e.from_state, toState: e.to_state, actor: e.actor, comment: e.comment }));
}

export async function ticketComments(pool: Pool, ticketId: string): Promise<CommentRow[]> {
  const r = await pool.query('SELECT at, author, actor, body FROM ticket_comments WHERE ticket_id = $1 ORDER BY id', [ticketId]);
  return r.rows;
}

export async function insertComment(db: Pool | PoolClient, ticketId: string, at: Date, author: 'sav' | 'operateur', actor: string, body: string): Promise<void> {
  await db.query('INSERT INTO ticket_comments (ticket_id, at, author, actor, body) VALUES ($1, $2, $3, $4, $5)', [ticketId, at, author, actor, body]);
  await db.query('UPDATE tickets SET last_interaction_at = $2 WHERE id = $1', [ticketId, at]);
}

export async function updateState(db: PoolClient, ticketId: string, from: string, to: string, at: Date, actor: string, comment: string | undefined, closedAt: Date | null, details: object): Promise<void> {
  await db.query(
    `UPDATE tickets SET state = $2, state_since = $3, last_interaction_at = $3, closed_at = $4, details = details || $5::jsonb WHERE id = $1`,
    [ticketId, to, at, closedAt, JSON.stringify(details)],
  );
  await db.query('INSERT INTO ticket_events (ticket_id, at, from_state, to_state, actor, comment) VALUES ($1, $2, $3, $4, $5, $6)', [ticketId, at, from, to, actor, comment ?? null]);
}

export interface SummaryRow {
  reference: string;
  externalRef: string | null;
  prestationId: string;
  offerCode: string;
  state: string;
  stateSince: Date;
  depositedAt: Date;
  closedAt: Date | null;
}

const SUMMARY_COLUMNS = 'reference, external_ref, prestation_id, offer_code, state, state_since, deposited_at, closed_at';
function toSummary(r: Record<string, any>): SummaryRow {
  return { reference: r.reference, externalRef: r.external_ref, prestationId: r.prestation_id, offerCode: r.offer_code, state: r.state, stateSince: r.state_since, depositedAt: r.deposited_at, closedAt: r.closed_at };
}

/** Closed tickets of this operator closed at or after `closedSince`, by prestation and/or closing period. */
export async function closedTickets(pool: Pool, siren: string, closedSince: Date, f: { prestationId?: string; from?: Date; to?: Date }, limit: number): Promise<SummaryRow[]> {
  const r = await pool.query(
    `SELECT ${SUMMARY_COLUMNS} FROM tickets
      WHERE operator_siren = $1 AND closed_at IS NOT NULL AND closed_at >= $2
        AND ($3::text IS NULL OR prestation_id = $3)
        AND ($4::timestamptz IS NULL OR closed_at >= $4) AND ($5::timestamptz IS NULL OR closed_at < $5)
      ORDER BY closed_at DESC, reference LIMIT $6`,
    [siren, closedSince, f.prestationId ?? null, f.from ?? null, f.to ?? null, limit],
  );
  return r.rows.map(toSummary);
}

export interface SearchFilter {
  states?: string[];
  prestationId?: string;
  offerCode?: string;
  depositedFrom?: Date;
  depositedTo?: Date;
}

/** One page of this operator's tickets, newest deposit first (reference breaks ties: a stable order), and the total. */
export async function searchTickets(pool: Pool, siren: string, f: SearchFilter, offset: number, limit: number): Promise<{ total: number; rows: SummaryRow[] }> {
  const where = `operator_siren = $1 AND ($2::text[] IS NULL OR state = ANY($2)) AND ($3::text IS NULL OR prestation_id = $3)
    AND ($4::text IS NULL OR offer_code = $4) AND ($5::timestamptz IS NULL OR deposited_at >= $5) AND ($6::timestamptz IS NULL OR deposited_at < $6)`;
  const params = [siren, f.states?.length ? f.states : null, f.prestationId ?? null, f.offerCode ?? null, f.depositedFrom ?? null, f.depositedTo ?? null];
  const r = await pool.query(
    `SELECT ${SUMMARY_COLUMNS}, count(*) OVER () AS total FROM tickets WHERE ${where}
      ORDER BY deposited_at DESC, reference LIMIT $7 OFFSET $8`,
    [...params, limit, offset],
  );
  let total = r.rows.length ? Number(r.rows[0].total) : 0;
  // A page past the end still reports the total.
  if (r.rows.length === 0 && offset > 0) total = Number((await pool.query(`SELECT count(*) AS n FROM tickets WHERE ${where}`, params)).rows[0].n);
  return { total, rows: r.rows.map(toSummary) };
}
