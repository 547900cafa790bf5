import type { Pool, PoolClient } from '../../db/pool.js';
import type { TechnicianPlan } from './slots.js';

export interface TechnicianRow {
  id: string;
  name: string;
  zones: string[];
  types: string[];
  weekdays: number[];
  startMinute: number;
  endMinute: number;
}

/** Technicians of a zone doing a type, with their days off and busy intervals overlapping [from, to]. */
export async function technicianPlans(pool: Pool, zone: string, type: string, from: Date, to: Date, excludeAppointment?: string): Promise<TechnicianPlan[]> {
  const r = await pool.query({
    name: 'technician-plans',
    text: `SELECT t.id, t.weekdays, t.start_minute, t.end_minute,
                  COALESCE((SELECT array_agg(to_char(d.day, 'YYYY-MM-DD')) FROM technician_days_off d
                             WHERE d.technician_id = t.id AND d.day BETWEEN ($3::timestamptz - interval '1 day')::date AND ($4::timestamptz + interval '1 day')::date), '{}') AS days_off,
                  COALESCE((SELECT array_agg(ARRAY[extract(epoch FROM a.starts_at)::float8 * 1000, extract(epoch FROM a.ends_at)::float8 * 1000])
                              FROM appointments a
                             WHERE a.technician_id = t.id AND a.status <> 'ANNULE' AND a.starts_at < $4 AND a.ends_at > $3
                               AND ($5::text IS NULL OR a.id <> $5)), '{}') AS busy
             FROM technicians t
            WHERE t.active AND $1 = ANY (t.zones) AND $2 = ANY (t.intervention_types)`,
    values: [zone, type, from, to, excludeAppointment ?? null],
  });
  return r.rows.map((row) => ({
    id: String(row.id),
    weekdays: row.weekdays,
    startMinute: row.start_minute,
    endMinute: row.end_minute,
    daysOff: new Set<string>(row.days_off),
    busy: (row.busy as Array<[string, string]>).map(([s, e]) => ({ start: Number(s), end: Number(e) })),
  }));
}

export interface SearchRow {
  id: string;
  siren: string;
  zone: string;
  type: string;
  segment: string;
  defect: string;
  /** The windows offered (offered.ts). */
  offeredBase: number;
  offeredBits: Buffer;
  offeredCount: number;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * Holds are ephemeral: written through the pool with synchronous_commit off (a lost hold only
 * means a new search), many searches in one statement (GroupWriter).
 */
export async function insertSearches(ephemeral: Pool, rows: Array<SearchRow & { from: Date; to: Date }>): Promise<void> {
  await ephemeral.query({
    name: 'search-insert-group',
    text: `INSERT INTO slot_searches (id, operator_siren, code_insee, intervention_type, segment, defect_prelocalization,
                                      range_from, range_to, offered_base, offered, offered_count, created_at, expires_at)
           SELECT * FROM unnest($1::uuid[], $2::char(9)[], $3::text[], $4::char(1)[], $5::text[], $6::text[],
                                $7::timestamptz[], $8::timestamptz[], $9::bigint[], $10::bytea[], $11::int[], $12::timestamptz[], $13::timestamptz[])`,
    values: [
      rows.map((s) => s.id), rows.map((s) => s.siren), rows.map((s) => s.zone), rows.map((s) => s.type), rows.map((s) => s.segment),
      rows.map((s) => s.defect), rows.map((s) => s.from), rows.map((s) => s.to), rows.map((s) => s.offeredBase),
      rows.map((s) => s.offeredBits), rows.map((s) => s.offeredCount), rows.map((s) => s.createdAt), rows.map((s) => s.expiresAt),
    ],
  });
}

export async function findSearch(pool: Pool, id: string): Promise<SearchRow | undefined> {
  const r = await pool.query(
    `SELECT id, operator_siren, code_insee, intervention_type, segment, defect_prelocalization, offered_base, offered, offered_count, created_at, expires_at
       FROM slot_searches WHERE id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row && {
    id: row.id, siren: row.operator_siren, zone: row.code_insee, type: row.intervention_type, segment: row.segment,
    defect: row.defect_prelocalization, offeredBase: Number(row.offered_base), offeredBits: row.offered, offeredCount: row.offered_count,
    createdAt: row.created_at, expiresAt: row.expires_at,
  };
}

/** A used hold cannot be used again: the next booking needs a new search. */
export async function consumeSearch(db: Pool | PoolClient, id: string, at: Date): Promise<void> {
  await db.query('UPDATE slot_searches SET expires_at = LEAST(expires_at, $2) WHERE id = $1', [id, at]);
}

/** The operator's latest search for a zone (any type), or its latest search at all when zone is null. */
export async function latestSearch(pool: Pool, siren: string, zone: string | null, since: Date): Promise<{ offered: number; at: Date } | undefined> {
  const r = await pool.query(
    `SELECT offered_count AS offered, created_at FROM slot_searches
      WHERE operator_siren = $1 AND ($2::text IS NULL OR code_insee = $2) AND created_at >= $3
      ORDER BY created_at DESC LIMIT 1`,
    [siren, zone, since],
  );
  const row = r.rows[0];
  return row && { offered: row.offered, at: row.created_at };
}

export interface AppointmentRow {
  id: string;
  siren: string;
  technicianId: string;
  zone: string;
  type: string;
  natureProduit: string;
  segment: string;
  startsAt: Date;
  endsAt: Date;
  status: 'CREE' | 'CONFIRME' | 'ANNULE';
  ticketReference: string | null;
  reservedAt: Date;
}

function toAppointment(row: Record<string, any>): AppointmentRow {
  return {
    id: row.id, siren: row.operator_siren, technicianId: String(row.technician_id), zone: row.code_insee, type: row.intervention_type,
    natureProduit: row.nature_produit, segment: row.segment, startsAt: row.starts_at, endsAt: row.ends_at, status: row.status,
    ticketReference: row.ticket_reference, reservedAt: row.reserved_at,
  };
}

export async function findAppointment(db: Pool | PoolClient, id: string, forUpdate = false): Promise<AppointmentRow | undefined> {
  const r = await db.query(`SELECT * FROM appointments WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return r.rows[0] && toAppointment(r.rows[0]);
}

export interface NewAppointment extends Pick<AppointmentRow, 'id' | 'siren' | 'technicianId' | 'zone' | 'type' | 'natureProduit' | 'segment' | 'startsAt' | 'endsAt'> {
  defect: string;
  searchId: string;
  at: Date;
}

/** 'taken' when PostgreSQL's exclusion constraint refused the technician's time (23P01), whatever process booked it. */
async function unlessTaken(write: Promise<unknown>): Promise<'ok' | 'taken'> {
  try {
    await write;
    return 'ok';
  } catch (err) {
    if ((err as { code?: string }).code === '23P01') return 'taken';
    throw err;
  }
}

/**
 * Books the technician for the window. 'taken' when another booking got that technician's time
 * first: the exclusion constraint refused it (whatever process it came from).
 */
export function insertAppointment(pool: Pool, a: NewAppointment): Promise<'ok' | 'taken'> {
  return unlessTaken(
    pool.query(
      `WITH a AS (
         INSERT INTO appointments (id, operator_siren, technician_id, code_insee, intervention_type, nature_produit, segment,
                                   defect_prelocalization, starts_at, ends_at, status, search_id, reserved_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'CREE', $11, $12, $12) RETURNING id
       )
       INSERT INTO appointment_events (appointment_id, at, action, detail)
       SELECT id, $12, 'RESERVATION', jsonb_build_object('debut', $9::timestamptz, 'fin', $10::timestamptz, 'technicien', $3::bigint) FROM a`,
      [a.id, a.siren, a.technicianId, a.zone, a.type, a.natureProduit, a.segment, a.defect, a.startsAt, a.endsAt, a.searchId, a.at],
    ),
  );
}

/** Moves an appointment to another window and technician; 'taken' as for insertAppointment. */
export function moveAppointment(pool: Pool, id: string, technicianId: string, startsAt: Date, endsAt: Date, at: Date, action: string): Promise<'ok' | 'taken'> {
  return unlessTaken(
    pool.query(
      `WITH a AS (
         UPDATE appointments SET technician_id = $2, starts_at = $3, ends_at = $4, updated_at = $5 WHERE id = $1 AND status <> 'ANNULE' RETURNING id
       )
       INSERT INTO appointment_events (appointment_id, at, action, detail)
       SELECT id, $5, $6, jsonb_build_object('debut', $3::timestamptz, 'fin', $4::timestamptz, 'technicien', $2::bigint) FROM a`,
      [id, technicianId, startsAt, endsAt, at, action],
    ),
  );
}

/** Confirms a CREE appointment with the ticket that was deposited for it (idempotent). */
export async function confirmAppointment(pool: Pool, id: string, ticketReference: string, at: Date): Promise<void> {
  await pool.query(
    `WITH a AS (
       UPDATE appointments SET status = 'CONFIRME', ticket_reference = $2, confirmed_at = $3, updated_at = $3
        WHERE id = $1 AND status = 'CREE' RETURNING id
     )
     INSERT INTO appointment_events (appointment_id, at, action, detail)
     SELECT id, $3, 'CONFIRMATION', jsonb_build_object('signalisation', $2::text) FROM a`,
    [id, ticketReference, at],
  );
}

// `details ? 'idRendezVous'` is the predicate of the partial index tickets_appointment (migration
// 017): without it in the query the planner cannot use the index and scans every ticket.
export const REPAIR_UNLINKED_SQL = `WITH a AS (
       UPDATE appointments a SET status = 'CONFIRME', ticket_reference = t.reference, confirmed_at = $1, updated_at = $1
         FROM tickets t
        WHERE a.status = 'CREE' AND t.details ? 'idRendezVous' AND t.details->>'idRendezVous' = a.id AND t.operator_siren = a.operator_siren
        RETURNING a.id, t.reference
     ), e AS (
       INSERT INTO appointment_events (appointment_id, at, action, detail)
       SELECT id, $1, 'CONFIRMATION', jsonb_build_object('signalisation', reference, 'par', 'purge') FROM a
     )
     SELECT id FROM a`;

/**
 * The night purge: appointments still CREE that were reserved before `cutoff` (the last Paris
 * midnight) are cancelled. One whose ticket was deposited but not yet linked (a crash between
 * the two writes) is confirmed instead. Idempotent: running it twice changes nothing more.
 */
export async function purgeUnconfirmed(pool: Pool, cutoff: Date, at: Date): Promise<{ cancelled: string[]; confirmed: string[] }> {
  const repaired = await pool.query(REPAIR_UNLINKED_SQL, [at]);
  // Holds older than a day serve no rule any more (the no-slot context looks back 24 hours).
  await pool.query("DELETE FROM slot_searches WHERE created_at < $1::timestamptz - interval '2 days'", [at]);
  const cancelled = await pool.query(
    `WITH a AS (
       UPDATE appointments SET status = 'ANNULE', cancelled_at = $2, cancel_reason = 'non confirmé par un dépôt de signalisation', updated_at = $2
        WHERE status = 'CREE' AND reserved_at < $1
        RETURNING id
     ), e AS (
       INSERT INTO appointment_events (appointment_id, at, action, detail)
       SELECT id, $2, 'ANNULATION', '{"motif": "purge de nuit"}'::jsonb FROM a
     )
     SELECT id FROM a`,
    [cutoff, at],
  );
  return { cancelled: cancelled.rows.map((r) => r.id), confirmed: repaired.rows.map((r) => r.id) };
}

export async function insertTechnician(pool: Pool, t: Omit<TechnicianRow, 'id'>): Promise<string> {
  const r = await pool.query(
    `INSERT INTO technicians (name, zones, intervention_types, weekdays, start_minute, end_minute)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (name) DO UPDATE SET zones = EXCLUDED.zones, intervention_types = EXCLUDED.intervention_types,
       weekdays = EXCLUDED.weekdays, start_minute = EXCLUDED.start_minute, end_minute = EXCLUDED.end_minute, active = true
     RETURNING id`,
    [t.name, t.zones, t.types, t.weekdays, t.startMinute, t.endMinute],
  );
  return String(r.rows[0].id);
}

export async function addDayOff(pool: Pool, name: string, day: string): Promise<boolean> {
  const r = await pool.query(
    'INSERT INTO technician_days_off (technician_id, day) SELECT id, $2::date FROM technicians WHERE name = $1 ON CONFLICT DO NOTHING RETURNING technician_id',
    [name, day],
  );
  return r.rowCount === 1 || (await pool.query('SELECT 1 FROM technicians WHERE name = $1', [name])).rowCount === 1;
}

export async function listTechnicians(pool: Pool, zone?: string): Promise<Array<TechnicianRow & { daysOff: string[] }>> {
  const r = await pool.query(
    `SELECT t.*, COALESCE((SELECT array_agg(to_char(day, 'YYYY-MM-DD') ORDER BY day) FROM technician_days_off d WHERE d.technician_id = t.id), '{}') AS days_off
       FROM technicians t WHERE t.active AND ($1::text IS NULL OR $1 = ANY (t.zones)) ORDER BY t.name`,
    [zone ?? null],
  );
  return r.rows.map((row) => ({
    id: String(row.id), name: row.name, zones: row.zones, types: row.intervention_types, weekdays: row.weekdays,
    startMinute: row.start_minute, endMinute: row.end_minute, daysOff: row.days_off,
  }));
}
