import { X509Certificate } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import { subtractWorkingDaysFromInstant } from '../calendar/index.js';
import { fingerprintOf, type Scope } from './certs.js';
import { PkiRefusal } from './checks.js';

/** Conditions générales: at most 100 active certificates per operator. */
export const MAX_ACTIVE_PER_OPERATOR = 100;
/** Renewal date = expiry minus 15 working days (annexe P1). */
export const RENEWAL_WORKING_DAYS = 15;
/** Moving from the provider CA to a recognised CA: 30 calendar days before expiry. */
export const SWITCH_CALENDAR_DAYS = 30;
/** A certificate unused for six months is disabled. */
export const UNUSED_MONTHS = 6;

export type Source = 'provider' | 'recognised';

type Queryable = Pick<Pool, 'query'>;

/** Who acts: ESAV_ACTOR when ops set it (e.g. in a runbook wrapper), else the system user. */
export function currentActor(): string {
  if (process.env.ESAV_ACTOR) return process.env.ESAV_ACTOR;
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

export interface AuditEntry {
  actor: string;
  action: string;
  siren?: string | null;
  fingerprint?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(db: Queryable, e: AuditEntry, log?: Logger): Promise<void> {
  await db.query('INSERT INTO pki_audit (actor, action, operator_siren, fingerprint, details) VALUES ($1, $2, $3, $4, $5)', [
    e.actor,
    e.action,
    e.siren ?? null,
    e.fingerprint ?? null,
    JSON.stringify(e.details ?? {}),
  ]);
  log?.info({ audit: e.action, actor: e.actor, siren: e.siren, fingerprint: e.fingerprint, ...e.details }, `pki ${e.action}`);
}

export interface AuditRow {
  at: Date;
  actor: string;
  action: string;
  siren: string | null;
  fingerprint: string | null;
  details: Record<string, unknown>;
}

export async function listAudit(db: Queryable, siren?: string, limit = 1000): Promise<AuditRow[]> {
  const r = await db.query(
    `SELECT at, actor, action, operator_siren, fingerprint, details FROM pki_audit
      WHERE ($1::text IS NULL OR operator_siren = $1) ORDER BY id DESC LIMIT $2`,
    [siren ?? null, limit],
  );
  return r.rows.map((x) => ({ at: x.at, actor: x.actor, action: x.action, siren: x.operator_siren, fingerprint: x.fingerprint, details: x.details }));
}

/** Active certificates that count toward the limit: one being renewed counts once with its successor. */
export async function countActive(db: Queryable, siren: string): Promise<number> {
  const r = await db.query(
    `SELECT count(*)::int AS n FROM certificates c
      WHERE c.operator_siren = $1 AND c.status = 'active'
        AND NOT EXISTS (SELECT 1 FROM certificates s WHERE s.renews = c.fingerprint AND s.status = 'active')`,
    [siren],
  );
  return r.rows[0].n;
}

export interface NewCertificate {
  siren: string;
  scope: Scope;
  pem: string;
  source: Source;
  renews?: string;
}

/** Records a certificate, refusing a new one (not a renewal) beyond the operator's limit. */
export async function insertCertificate(db: Queryable, c: NewCertificate): Promise<{ fingerprint: string; notBefore: Date; notAfter: Date; serial: string }> {
  if (!c.renews && (await countActive(db, c.siren)) >= MAX_ACTIVE_PER_OPERATOR) {
    throw new PkiRefusal(`operator ${c.siren} already has ${MAX_ACTIVE_PER_OPERATOR} active certificates (the limit of the conditions générales): revoke one first`);
  }
  const x = new X509Certificate(c.pem);
  const fp = fingerprintOf(x);
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  const serial = x.serialNumber.toLowerCase();
  try {
    await db.query(
      `INSERT INTO certificates (fingerprint, operator_siren, scope, serial, subject, issuer, source, not_before, not_after, pem, renews)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [fp, c.siren, c.scope, serial, x.subject.replace(/\n/g, ', '), x.issuer.replace(/\n/g, ', '), c.source, notBefore, notAfter, c.pem, c.renews ?? null],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new PkiRefusal(`certificate ${fp} is already registered`);
    throw err;
  }
  return { fingerprint: fp, notBefore, notAfter, serial };
}

export interface StoredCertificate {
  fingerprint: string;
  siren: string;
  operatorName: string;
  scope: Scope;
  source: Source;
  status: string;
  serial: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  renews: string | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  pem: string;
}

function toStored(r: Record<string, any>): StoredCertificate {
  return {
    fingerprint: r.fingerprint,
    siren: r.operator_siren,
    operatorName: r.operator_name,
    scope: r.scope,
    source: r.source,
    status: r.status,
    serial: r.serial,
    issuer: r.issuer,
    notBefore: r.not_before,
    notAfter: r.not_after,
    renews: r.renews,
    lastUsedAt: r.last_used_at,
    createdAt: r.created_at,
    pem: r.pem,
  };
}

const SELECT_CERT = `SELECT c.*, o.name AS operator_name FROM certificates c JOIN operators o ON o.siren = c.operator_siren`;

export async function getCertificate(db: Queryable, fingerprint: string): Promise<StoredCertificate | undefined> {
  const r = await db.query(`${SELECT_CERT} WHERE c.fingerprint = $1`, [fingerprint]);
  return r.rows[0] && toStored(r.rows[0]);
}

export async function activeCertificatesByIssuer(db: Queryable, issuer: string): Promise<StoredCertificate[]> {
  const r = await db.query(`${SELECT_CERT} WHERE c.status = 'active' AND c.issuer = $1 ORDER BY c.operator_siren, c.not_after`, [issuer]);
  return r.rows.map(toStored);
}

export async function hasActiveSuccessor(db: Queryable, fingerprint: string): Promise<string | undefined> {
  const r = await db.query(`SELECT fingerprint FROM certificates WHERE renews = $1 AND status = 'active'`, [fingerprint]);
  return r.rows[0]?.fingerprint;
}

/**
 * A certificate was just used: note it (for the six-month rule) and, if it renews another one,
 * that predecessor is superseded from now on (still accepted until its expiry).
 */
export async function recordUse(db: Queryable, fingerprint: string, now = new Date()): Promise<Array<{ fingerprint: string; siren: string }>> {
  const r = await db.query(
    `WITH used AS (UPDATE certificates SET last_used_at = $2 WHERE fingerprint = $1 RETURNING renews)
     UPDATE certificates p SET status = 'superseded', superseded_at = $2
       FROM used WHERE p.fingerprint = used.renews AND p.status = 'active'
     RETURNING p.fingerprint, p.operator_siren`,
    [fingerprint, now],
  );
  return r.rows.map((x) => ({ fingerprint: x.fingerprint, siren: x.operator_siren }));
}

export interface SweepResult {
  superseded: Array<{ fingerprint: string; siren: string }>;
  disabled: Array<{ fingerprint: string; siren: string; lastUsedAt: Date | null }>;
}

/**
 * Periodic housekeeping, idempotent and safe in several processes at once (each row is changed
 * by one UPDATE only): expired predecessors of a renewal become superseded; certificates unused
 * for six months (never used: six months after registration) are disabled. Both are audited.
 */
export async function sweep(db: Queryable, now = new Date(), log?: Logger): Promise<SweepResult> {
  const sup = await db.query(
    `UPDATE certificates p SET status = 'superseded', superseded_at = $1
      WHERE p.status = 'active' AND p.not_after <= $1 AND EXISTS (SELECT 1 FROM certificates s WHERE s.renews = p.fingerprint)
      RETURNING p.fingerprint, p.operator_siren`,
    [now],
  );
  const dis = await db.query(
    `UPDATE certificates SET status = 'disabled', disabled_at = $1, disable_reason = 'inutilisé depuis six mois'
      WHERE status = 'active' AND not_after > $1 AND COALESCE(last_used_at, created_at) < $1::timestamptz - make_interval(months => $2)
      RETURNING fingerprint, operator_siren, last_used_at`,
    [now, UNUSED_MONTHS],
  );
  const result: SweepResult = {
    superseded: sup.rows.map((x) => ({ fingerprint: x.fingerprint, siren: x.operator_siren })),
    disabled: dis.rows.map((x) => ({ fingerprint: x.fingerprint, siren: x.operator_siren, lastUsedAt: x.last_used_at })),
  };
  for (const s of result.superseded) await audit(db, { actor: 'gateway', action: 'supersede', siren: s.siren, fingerprint: s.fingerprint, details: { why: 'expired after renewal' } }, log);
  for (const d of result.disabled) {
    await audit(db, { actor: 'gateway', action: 'disable', siren: d.siren, fingerprint: d.fingerprint, details: { why: 'unused for six months', lastUsedAt: d.lastUsedAt?.toISOString() ?? null } }, log);
    log?.warn({ siren: d.siren, fingerprint: d.fingerprint, lastUsedAt: d.lastUsedAt }, 'certificate disabled: unused for six months');
  }
  return result;
}

export function renewalDate(notAfter: Date): Date {
  return subtractWorkingDaysFromInstant(notAfter, RENEWAL_WORKING_DAYS);
}

export interface DueRenewal {
  fingerprint: string;
  siren: string;
  operatorName: string;
  scope: Scope;
  source: Source;
  notAfter: Date;
  renewalDate: Date;
  overdue: boolean;
  /** The deadline that applies, in the contract's words. */
  deadline: string;
  /** For provider certificates: last day to ask for a switch to a recognised CA. */
  switchDeadline: Date | null;
}

/** Active certificates not yet renewed whose renewal date falls before now + withinDays. */
export async function dueRenewals(db: Queryable, now = new Date(), withinDays = 0): Promise<DueRenewal[]> {
  const r = await db.query(
    `${SELECT_CERT} WHERE c.status = 'active' AND c.not_after > $1
        AND NOT EXISTS (SELECT 1 FROM certificates s WHERE s.renews = c.fingerprint AND s.status IN ('active', 'superseded'))
      ORDER BY c.not_after`,
    [now],
  );
  const horizon = now.getTime() + withinDays * 86_400_000;
  const out: DueRenewal[] = [];
  for (const c of r.rows.map(toStored)) {
    const rd = renewalDate(c.notAfter);
    if (rd.getTime() > horizon) continue;
    const day = rd.toISOString().slice(0, 10);
    out.push({
      fingerprint: c.fingerprint,
      siren: c.siren,
      operatorName: c.operatorName,
      scope: c.scope,
      source: c.source,
      notAfter: c.notAfter,
      renewalDate: rd,
      overdue: rd.getTime() <= now.getTime(),
      deadline:
        c.source === 'provider'
          ? `provider delivers the new certificate by ${day} (${RENEWAL_WORKING_DAYS} working days before expiry)`
          : `operator sends its new certificate by ${day} (${RENEWAL_WORKING_DAYS} working days before expiry)`,
      switchDeadline: c.source === 'provider' ? new Date(c.notAfter.getTime() - SWITCH_CALENDAR_DAYS * 86_400_000) : null,
    });
  }
  return out;
}

/** Revoked certificates issued under this issuer name (for its CRL), still within validity. */
export async function revokedByIssuer(db: Queryable, issuer: string, now = new Date()): Promise<Array<{ serial: string; revokedAt: Date }>> {
  const r = await db.query(
    `SELECT serial, COALESCE(revoked_at, created_at) AS revoked_at FROM certificates
      WHERE status = 'revoked' AND issuer = $1 AND not_after > $2 ORDER BY revoked_at`,
    [issuer, now],
  );
  return r.rows.map((x) => ({ serial: x.serial, revokedAt: x.revoked_at }));
}

export interface ApprovedCa {
  fingerprint: string;
  subject: string;
  notAfter: Date;
  pem: string;
  approvedAt: Date;
  approvedBy: string;
}

export async function listApprovedCas(db: Queryable): Promise<ApprovedCa[]> {
  const r = await db.query('SELECT * FROM approved_cas ORDER BY approved_at');
  return r.rows.map((x) => ({ fingerprint: x.fingerprint, subject: x.subject, notAfter: x.not_after, pem: x.pem, approvedAt: x.approved_at, approvedBy: x.approved_by }));
}

export async function insertApprovedCa(db: Queryable, x: X509Certificate, pem: string, actor: string): Promise<string> {
  const fp = fingerprintOf(x);
  const r = await db.query(
    `INSERT INTO approved_cas (fingerprint, subject, not_after, pem, approved_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [fp, x.subject.replace(/\n/g, ', '), new Date(x.validTo), pem, actor],
  );
  if (r.rowCount === 0) throw new PkiRefusal(`CA ${fp} is already approved`);
  return fp;
}

export async function deleteApprovedCa(db: Queryable, fingerprint: string): Promise<boolean> {
  return ((await db.query('DELETE FROM approved_cas WHERE fingerprint = $1', [fingerprint])).rowCount ?? 0) > 0;
}

export async function setSuspended(db: Queryable, siren: string, suspend: boolean, reason: string): Promise<boolean> {
  const r = suspend
    ? await db.query('UPDATE operators SET suspended_at = now(), suspend_reason = $2 WHERE siren = $1 AND suspended_at IS NULL', [siren, reason])
    : await db.query('UPDATE operators SET suspended_at = NULL, suspend_reason = NULL WHERE siren = $1 AND suspended_at IS NOT NULL', [siren]);
  return (r.rowCount ?? 0) > 0;
}
