import type { Pool } from '../db/pool.js';
import type { Domain } from './domains.js';

type Queryable = Pick<Pool, 'query'>;

export type How = 'platform' | 'manual' | 'migration';

export interface ValidationRow {
  siren: string;
  domain: Domain;
  validatedAt: Date;
  how: How;
  actor: string;
  details: Record<string, unknown>;
  recordedAt: Date;
}

/** The domains an operator validated (production database): one indexed read, cached by the gate. */
export async function validatedDomains(db: Queryable, siren: string): Promise<Set<Domain>> {
  const r = await db.query({ name: 'validation-domains', text: 'SELECT domain FROM operator_validations WHERE operator_siren = $1', values: [siren] });
  return new Set(r.rows.map((x) => x.domain as Domain));
}

export async function listValidations(db: Queryable, siren: string): Promise<ValidationRow[]> {
  const r = await db.query(
    'SELECT operator_siren, domain, validated_at, how, actor, details, recorded_at FROM operator_validations WHERE operator_siren = $1 ORDER BY domain',
    [siren],
  );
  return r.rows.map((x) => ({ siren: x.operator_siren, domain: x.domain, validatedAt: x.validated_at, how: x.how, actor: x.actor, details: x.details, recordedAt: x.recorded_at }));
}

/** Records a validation; the first one stays (a later record of the same domain changes nothing). */
export async function recordValidation(db: Queryable, v: { siren: string; domain: Domain; validatedAt: Date; how: How; actor: string; details: Record<string, unknown> }): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO operator_validations (operator_siren, domain, validated_at, how, actor, details)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (operator_siren, domain) DO NOTHING`,
    [v.siren, v.domain, v.validatedAt, v.how, v.actor, JSON.stringify(v.details)],
  );
  return r.rowCount === 1;
}

// ---- integration database: the outbox of first successes

export interface OutboxRow {
  siren: string;
  domain: Domain;
  validatedAt: Date;
  details: Record<string, unknown>;
  deliveredAt: Date | null;
  attempts: number;
  lastError: string | null;
}

/** Keeps the first success of (operator, domain); true when this call made the row. */
export async function outboxAdd(db: Queryable, siren: string, domain: Domain, at: Date, details: Record<string, unknown>): Promise<boolean> {
  const r = await db.query(
    'INSERT INTO validation_outbox (operator_siren, domain, validated_at, details) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [siren, domain, at, JSON.stringify(details)],
  );
  return r.rowCount === 1;
}

export async function outboxPending(db: Queryable, limit = 100, only?: { siren: string; domain: Domain }): Promise<OutboxRow[]> {
  const r = await db.query(
    `SELECT operator_siren, domain, validated_at, details, delivered_at, attempts, last_error FROM validation_outbox
      WHERE delivered_at IS NULL AND ($2::text IS NULL OR (operator_siren = $2 AND domain = $3))
      ORDER BY validated_at LIMIT $1`,
    [limit, only?.siren ?? null, only?.domain ?? null],
  );
  return r.rows.map(outboxRow);
}

export async function outboxOf(db: Queryable, siren: string): Promise<OutboxRow[]> {
  const r = await db.query(
    'SELECT operator_siren, domain, validated_at, details, delivered_at, attempts, last_error FROM validation_outbox WHERE operator_siren = $1 ORDER BY domain',
    [siren],
  );
  return r.rows.map(outboxRow);
}

function outboxRow(x: Record<string, any>): OutboxRow {
  return { siren: x.operator_siren, domain: x.domain, validatedAt: x.validated_at, details: x.details, deliveredAt: x.delivered_at, attempts: x.attempts, lastError: x.last_error };
}

export async function outboxDelivered(db: Queryable, siren: string, domain: Domain, at: Date): Promise<void> {
  await db.query('UPDATE validation_outbox SET delivered_at = $3, last_error = NULL WHERE operator_siren = $1 AND domain = $2', [siren, domain, at]);
}

export async function outboxFailed(db: Queryable, siren: string, domain: Domain, error: string): Promise<void> {
  await db.query('UPDATE validation_outbox SET attempts = attempts + 1, last_error = $3 WHERE operator_siren = $1 AND domain = $2', [siren, domain, error.slice(0, 500)]);
}
