import type { Pool } from '../db/pool.js';
import type { Scope } from '../pki/certs.js';

export interface CertificateRow {
  fingerprint: string;
  siren: string;
  operatorName: string;
  scope: Scope;
  status: 'active' | 'revoked' | 'superseded' | 'disabled';
  notAfter: Date;
  notBefore: Date;
  suspended: boolean;
}

export async function findCertificate(pool: Pool, fingerprint: string): Promise<CertificateRow | undefined> {
  const r = await pool.query({
    name: 'identity-find',
    text: `SELECT c.fingerprint, c.operator_siren AS siren, o.name AS operator_name, c.scope, c.status,
            c.not_after, c.not_before, o.suspended_at IS NOT NULL AS suspended
       FROM certificates c JOIN operators o ON o.siren = c.operator_siren
      WHERE c.fingerprint = $1`,
    values: [fingerprint],
  });
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    fingerprint: row.fingerprint,
    siren: row.siren,
    operatorName: row.operator_name,
    scope: row.scope,
    status: row.status,
    notAfter: row.not_after,
    notBefore: row.not_before,
    suspended: row.suspended,
  };
}
