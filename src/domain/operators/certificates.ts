import type { Pool } from '../../db/pool.js';
import type { Scope } from '../../pki/certs.js';

export interface CertificateRecord {
  fingerprint: string;
  siren: string;
  scope: Scope;
  serial: string;
  subject: string;
  issuer: string;
  source: 'provider' | 'recognised';
  notBefore: Date;
  notAfter: Date;
  status: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export async function revokeCertificate(pool: Pool, fingerprint: string, reason: string): Promise<CertificateRecord | undefined> {
  const r = await pool.query(
    `UPDATE certificates SET status = 'revoked', revoked_at = now(), revoke_reason = $2
      WHERE fingerprint = $1 RETURNING *`,
    [fingerprint, reason],
  );
  return r.rows[0] && toRecord(r.rows[0]);
}

export async function listCertificates(pool: Pool, siren?: string): Promise<CertificateRecord[]> {
  const r = await pool.query(
    'SELECT * FROM certificates WHERE ($1::text IS NULL OR operator_siren = $1) ORDER BY operator_siren, not_after',
    [siren ?? null],
  );
  return r.rows.map(toRecord);
}

function toRecord(row: Record<string, any>): CertificateRecord {
  return {
    fingerprint: row.fingerprint,
    siren: row.operator_siren,
    scope: row.scope,
    serial: row.serial,
    subject: row.subject,
    issuer: row.issuer,
    source: row.source,
    notBefore: row.not_before,
    notAfter: row.not_after,
    status: row.status,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
