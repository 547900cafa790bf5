import type { Pool } from '../../db/pool.js';

export interface PrestationRow {
  prestationId: string;
  operatorSiren: string;
  offerCode: string;
  ftth: boolean;
}

/** The prestation, only if it belongs to this operator (another's looks like a missing one). */
export async function findOwnPrestation(pool: Pool, siren: string, prestationId: string): Promise<PrestationRow | undefined> {
  const r = await pool.query(
    `SELECT p.prestation_id, p.operator_siren, p.offer_code, o.ftth
       FROM prestations p JOIN offers o ON o.code = p.offer_code
      WHERE p.prestation_id = $1 AND p.operator_siren = $2`,
    [prestationId, siren],
  );
  const row = r.rows[0];
  return row && { prestationId: row.prestation_id, operatorSiren: row.operator_siren, offerCode: row.offer_code, ftth: row.ftth };
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

export interface TicketSummary {
  reference: string;
  state: string;
  depositedAt: Date;
  requestHash: string;
  created: boolean;
}

/**
 * Inserts the ticket and its first event in one statement (one transaction, one round trip).
 * With an external reference already used by this operator, inserts nothing and returns the
 * existing ticket (created=false): concurrent retries wait on the unique index, then see it.
 */
export async function insertTicket(pool: Pool, t: NewTicket): Promise<TicketSummary | 'reference-collision'> {
  const r = await pool.query(
    `WITH t AS (
       INSERT INTO tickets (reference, operator_siren, prestation_id, offer_code, service_version, state, state_since,
                            fault_code, fault_label, comment, external_ref, request_hash, deposited_at, last_interaction_at, details)
       VALUES ($1, $2, $3, $4, $5, 'EN_DEPOT', $12, $6, $7, $8, $9, $10, $12, $12, $11)
       ON CONFLICT (operator_siren, external_ref) DO NOTHING
       RETURNING id, reference, state, deposited_at, request_hash
     ), e AS (
       INSERT INTO ticket_events (ticket_id, at, from_state, to_state, actor, comment)
       SELECT id, $12, NULL, 'EN_DEPOT', $13, 'Dépôt de la signalisation' FROM t
     )
     SELECT reference, state, deposited_at, request_hash FROM t`,
    [t.reference, t.siren, t.prestationId, t.offerCode, t.serviceVersion, t.faultCode, t.faultLabel, t.comment ?? null,
     t.externalRef ?? null, t.requestHash, JSON.stringify(t.details), t.at, t.actor],
  ).catch((err: { code?: string; constraint?: string }) => {
    if (err.code === '23505' && err.constraint === 'tickets_reference_key') return 'reference-collision' as const;
    throw err;
  });
  if (r === 'reference-collision') return r;
  const row = r.rows[0];
  if (row) return { reference: row.reference, state: row.state, depositedAt: row.deposited_at, requestHash: row.request_hash, created: true };
  const existing = await pool.query(
    'SELECT reference, state, deposited_at, request_hash FROM tickets WHERE operator_siren = $1 AND external_ref = $2',
    [t.siren, t.externalRef],
  );
  const e = existing.rows[0];
  return { reference: e.reference, state: e.state, depositedAt: e.deposited_at, requestHash: e.request_hash, created: false };
}
