import type { Pool } from '../../db/pool.js';

export type WorkType = 'TP' | 'DERCO';
export type WorkState = 'NOUVEAU' | 'REPLANIFICATION' | 'MAJ' | 'CLOTURE' | 'ANNULE';
export const WORK_STATES: readonly WorkState[] = ['NOUVEAU', 'REPLANIFICATION', 'MAJ', 'CLOTURE', 'ANNULE'];
export const EQUIPMENTS = ['PM', 'PMT', 'PBO', 'LIENPMPBO'] as const;
export const NATURES = ['DEPL', 'REFE', 'DSCM', 'EXTE', 'INGE', 'CHGC', 'AUTR'] as const;

export interface Work {
  reference: string;
  type: WorkType;
  equipment: (typeof EQUIPMENTS)[number];
  pmRef: string;
  pmPrestationRef: string;
  createdAt: Date;
  modifiedAt: Date;
  startsAt?: Date;
  endsAt?: Date;
  interventionRequired: boolean;
  curative?: boolean;
  nature?: (typeof NATURES)[number];
  state: WorkState;
  pboRefs: string[];
  pmtRefs: string[];
  comment?: string;
  contact?: string;
  buildings: string[];
  impactedPlugs: string[];
  impactedPrestations: string[];
  incidentRef?: string;
  operatorComment?: string;
  public: boolean;
}

const COLS: Record<keyof Work, string> = {
  reference: 'reference', type: 'type', equipment: 'equipment', pmRef: 'pm_ref', pmPrestationRef: 'pm_prestation_ref',
  createdAt: 'created_at', modifiedAt: 'modified_at', startsAt: 'starts_at', endsAt: 'ends_at',
  interventionRequired: 'intervention_required', curative: 'curative', nature: 'nature', state: 'state',
  pboRefs: 'pbo_refs', pmtRefs: 'pmt_refs', comment: 'comment', contact: 'contact', buildings: 'buildings',
  impactedPlugs: 'impacted_plugs', impactedPrestations: 'impacted_prestations', incidentRef: 'incident_ref',
  operatorComment: 'operator_comment', public: 'public',
};

function fromRow(r: Record<string, any>): Work {
  const w: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(COLS)) if (r[col] !== null && r[col] !== undefined) w[k] = r[col];
  return w as unknown as Work;
}

export async function insertWork(pool: Pool, w: Work): Promise<void> {
  const keys = Object.keys(COLS) as (keyof Work)[];
  await pool.query(
    `INSERT INTO works (${keys.map((k) => COLS[k]).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`,
    keys.map((k) => w[k] ?? (Array.isArray(w[k]) ? [] : null)),
  );
}

export async function updateWork(pool: Pool, reference: string, patch: Partial<Work>): Promise<Work | undefined> {
  const keys = (Object.keys(patch) as (keyof Work)[]).filter((k) => k !== 'reference' && patch[k] !== undefined);
  const r = await pool.query(
    `UPDATE works SET ${keys.map((k, i) => `${COLS[k]} = $${i + 2}`).join(', ')} WHERE reference = $1 RETURNING *`,
    [reference, ...keys.map((k) => patch[k])],
  );
  return r.rows[0] && fromRow(r.rows[0]);
}

export async function findWork(pool: Pool, reference: string): Promise<Work | undefined> {
  const r = await pool.query('SELECT * FROM works WHERE reference = $1', [reference]);
  return r.rows[0] && fromRow(r.rows[0]);
}

export interface Period {
  from: Date;
  to: Date;
}

export interface WorkFilter {
  reference?: string;
  type?: WorkType;
  pmPrestationRefs?: string[];
  created?: Period;
  starts?: Period;
  ends?: Period;
  interventionRequired?: boolean;
  state?: WorkState;
  plug?: string;
  prestation?: string;
}

/**
 * Works an operator may see: public ones and those impacting one of its prestations. The impacted
 * prestations and plugs returned are the operator's own only (plus every plug of a public work):
 * one operator never learns another's parc.
 */
export async function visibleWorks(pool: Pool, siren: string, f: WorkFilter, limit = 1000): Promise<Work[]> {
  const where: string[] = [];
  const values: unknown[] = [siren];
  const add = (sql: (p: string) => string, v: unknown) => {
    values.push(v);
    where.push(sql(`$${values.length}`));
  };
  if (f.reference) add((p) => `w.reference = ${p}`, f.reference);
  if (f.type) add((p) => `w.type = ${p}`, f.type);
  if (f.pmPrestationRefs?.length) add((p) => `w.pm_prestation_ref = ANY(${p}::text[])`, f.pmPrestationRefs);
  for (const [period, col] of [[f.created, 'created_at'], [f.starts, 'starts_at'], [f.ends, 'ends_at']] as const) {
    if (!period) continue;
    add((p) => `w.${col} >= ${p}`, period.from);
    add((p) => `w.${col} <= ${p}`, period.to);
  }
  if (f.interventionRequired !== undefined) add((p) => `w.intervention_required = ${p}`, f.interventionRequired);
  if (f.state) add((p) => `w.state = ${p}`, f.state);
  if (f.plug) add((p) => `${p} = ANY(w.impacted_plugs)`, f.plug);
  if (f.prestation) add((p) => `${p} = ANY(w.impacted_prestations)`, f.prestation);
  values.push(limit);
  const r = await pool.query(
    `SELECT w.*,
            ARRAY(SELECT x FROM unnest(w.impacted_prestations) x JOIN prestations p ON p.prestation_id = x AND p.operator_siren = $1 ORDER BY x) AS own_prestations,
            ARRAY(SELECT x FROM unnest(w.impacted_plugs) x
                   WHERE w.public OR EXISTS (SELECT 1 FROM prestations p WHERE p.ref_pto = x AND p.operator_siren = $1) ORDER BY x) AS own_plugs
       FROM works w
      WHERE (w.public OR EXISTS (SELECT 1 FROM prestations p WHERE p.prestation_id = ANY(w.impacted_prestations) AND p.operator_siren = $1))
        ${where.map((c) => `AND ${c}`).join(' ')}
      ORDER BY w.modified_at DESC, w.reference
      LIMIT $${values.length}`,
    values,
  );
  return r.rows.map((row) => ({ ...fromRow(row), impactedPrestations: row.own_prestations, impactedPlugs: row.own_plugs }));
}

/**
 * Works that affect one prestation of the operator (listed on it, or public) during [from, to]:
 * a work without a start date started when it was recorded, one without an end is still running.
 * Cancelled works never count; closed ones count only for a window that they overlapped.
 */
export async function worksAffecting(pool: Pool, siren: string, prestationId: string, from: Date, to: Date, includeClosed: boolean): Promise<Work[]> {
  const r = await pool.query(
    `SELECT w.*, ARRAY[$2::text] AS own_prestations
       FROM works w
      WHERE (w.public OR ($2 = ANY(w.impacted_prestations) AND EXISTS (SELECT 1 FROM prestations p WHERE p.prestation_id = $2 AND p.operator_siren = $1)))
        AND w.state <> 'ANNULE' AND ($5 OR w.state <> 'CLOTURE')
        AND COALESCE(w.starts_at, w.created_at) <= $4 AND (w.ends_at IS NULL OR w.ends_at >= $3)
      ORDER BY COALESCE(w.starts_at, w.created_at), w.reference`,
    [siren, prestationId, from, to, includeClosed],
  );
  return r.rows.map((row) => ({ ...fromRow(row), impactedPrestations: row.impacted_prestations.includes(prestationId) ? [prestationId] : [] }));
}

/** Prestations a work impacts, with their operator (ops view). */
export async function impactedPrestations(pool: Pool, reference: string): Promise<Array<{ prestationId: string; siren: string | null; offerCode: string | null }>> {
  const r = await pool.query(
    `SELECT x AS prestation_id, p.operator_siren, p.offer_code
       FROM works w, unnest(w.impacted_prestations) x LEFT JOIN prestations p ON p.prestation_id = x
      WHERE w.reference = $1 ORDER BY x`,
    [reference],
  );
  return r.rows.map((row) => ({ prestationId: row.prestation_id, siren: row.operator_siren, offerCode: row.offer_code }));
}

export async function listWorks(pool: Pool, opts: { state?: WorkState; limit?: number } = {}): Promise<Work[]> {
  const r = await pool.query(
    `SELECT * FROM works WHERE ($1::text IS NULL OR state = $1) ORDER BY modified_at DESC, reference LIMIT $2`,
    [opts.state ?? null, opts.limit ?? 200],
  );
  return r.rows.map(fromRow);
}
