import type { Pool, PoolClient } from '../../db/pool.js';

/**
 * Kinds of requests the contract counts (article 7). A test request counts only once it produced
 * a result; the other kinds count answered requests.
 */
export type VolumetryKind = 'TEST_AVEC_RESULTAT' | 'INFO_TRAVAUX' | 'DEPOT' | 'CONSULTATION_ETAT' | 'HISTORIQUE';

/** Adds one request of `kind` to the operator's count for the Paris calendar day of `at`. */
export async function countRequest(db: Pool | PoolClient, siren: string, kind: VolumetryKind, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO volumetry (day, operator_siren, kind, count) VALUES (($3::timestamptz AT TIME ZONE 'Europe/Paris')::date, $1, $2, 1)
     ON CONFLICT (day, operator_siren, kind) DO UPDATE SET count = volumetry.count + 1`,
    [siren, kind, at],
  );
}

export async function volumetry(db: Pool, siren: string, from: string, to: string): Promise<Array<{ day: string; kind: VolumetryKind; count: number }>> {
  const r = await db.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, count::int AS count FROM volumetry
      WHERE operator_siren = $1 AND day BETWEEN $2::date AND $3::date ORDER BY day, kind`,
    [siren, from, to],
  );
  return r.rows;
}
