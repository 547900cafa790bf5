import type { Pool } from '../../db/pool.js';

export interface OperatorRow {
  siren: string;
  name: string;
  quadrigram: string | null;
  suspended: boolean;
}

export async function insertOperator(pool: Pool, siren: string, name: string, quadrigram?: string): Promise<void> {
  await pool.query('INSERT INTO operators (siren, name, quadrigram) VALUES ($1, $2, $3)', [siren, name, quadrigram ?? null]);
}

export async function findOperator(pool: Pool, siren: string): Promise<OperatorRow | undefined> {
  const r = await pool.query('SELECT siren, name, quadrigram, suspended_at IS NOT NULL AS suspended FROM operators WHERE siren = $1', [siren]);
  return r.rows[0];
}

export async function offerExists(pool: Pool, code: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM offers WHERE code = $1', [code])).rowCount === 1;
}

export async function listOfferCodes(pool: Pool): Promise<string[]> {
  return (await pool.query('SELECT code FROM offers ORDER BY code')).rows.map((r) => r.code);
}

export interface NewPrestation {
  prestationId: string;
  siren: string;
  offerCode: string;
  refPto?: string;
  endA?: string;
  endZ?: string;
  info?: string;
  /** Where an FTTH prestation is (zone of its appointments). */
  codeInsee?: string;
}

export async function insertPrestation(pool: Pool, p: NewPrestation): Promise<void> {
  await pool.query(
    'INSERT INTO prestations (prestation_id, operator_siren, offer_code, ref_pto, end_a, end_z, info, code_insee) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [p.prestationId, p.siren, p.offerCode, p.refPto ?? null, p.endA ?? null, p.endZ ?? null, p.info ?? null, p.codeInsee ?? null],
  );
}
