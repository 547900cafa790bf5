import { inTransaction, type Pool, type PoolClient } from '../../db/pool.js';
import type { Measure, Origin, TestType, Verdict } from '../../network/driver.js';

export type TestState = 'EN_COURS' | 'TERMINE' | 'ECHEC';

export interface LineTest {
  id: string;
  siren: string;
  prestationId: string;
  offerCode: string;
  testType: TestType;
  externalRef?: string;
  state: TestState;
  requestedAt: Date;
  deadlineAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  verdict?: Verdict;
  origin?: Origin;
  measures: Measure[];
  errorCode?: string;
  errorMessage?: string;
}

function fromRow(r: Record<string, any>): LineTest {
  return {
    id: r.id,
    siren: r.operator_siren,
    prestationId: r.prestation_id,
    offerCode: r.offer_code,
    testType: r.test_type,
    externalRef: r.external_ref ?? undefined,
    state: r.state,
    requestedAt: r.requested_at,
    deadlineAt: r.deadline_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
    verdict: r.verdict ?? undefined,
    origin: r.origin ?? undefined,
    measures: (r.measures as Array<Measure & { at: string }>).map((m) => ({ ...m, at: new Date(m.at) })),
    errorCode: r.error_code ?? undefined,
    errorMessage: r.error_message ?? undefined,
  };
}

/**
 * Records a launch. With an external reference, a launch already recorded under it for that
 * operator wins: its row is returned instead (the retry of a launch whose answer was lost).
 */
export async function insertTest(db: Pool, t: Pick<LineTest, 'id' | 'siren' | 'prestationId' | 'offerCode' | 'testType' | 'externalRef' | 'requestedAt' | 'deadlineAt'>): Promise<{ created: true } | { created: false; existing: LineTest }> {
  const r = await db.query(
    `INSERT INTO line_tests (id, operator_siren, prestation_id, offer_code, test_type, external_ref, retry_key, state, requested_at, deadline_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6, 'EN_COURS', $7, $8)
     ON CONFLICT (operator_siren, retry_key) WHERE retry_key IS NOT NULL DO NOTHING`,
    [t.id, t.siren, t.prestationId, t.offerCode, t.testType, t.externalRef ?? null, t.requestedAt, t.deadlineAt],
  );
  if (r.rowCount === 1) return { created: true };
  const e = await db.query('SELECT * FROM line_tests WHERE operator_siren = $1 AND retry_key = $2', [t.siren, t.externalRef]);
  return { created: false, existing: fromRow(e.rows[0]) };
}

export async function findTest(db: Pool | PoolClient, id: string, siren?: string): Promise<LineTest | undefined> {
  const r = await db.query('SELECT * FROM line_tests WHERE id = $1 AND ($2::text IS NULL OR operator_siren = $2)', [id, siren ?? null]);
  return r.rows[0] && fromRow(r.rows[0]);
}

/** Marks the start once; false when the test is no longer running (finished, or past its deadline). */
export async function markStarted(db: Pool, id: string, at: Date): Promise<boolean> {
  const r = await db.query(`UPDATE line_tests SET started_at = COALESCE(started_at, $2) WHERE id = $1 AND state = 'EN_COURS' AND deadline_at > $2`, [id, at]);
  return r.rowCount === 1;
}

/** Finishes a running test; false when something else finished it first (exactly one outcome). */
export async function finishTest(
  db: PoolClient | Pool,
  id: string,
  at: Date,
  out: { state: 'TERMINE'; verdict: Verdict; origin?: Origin; measures: Measure[] } | { state: 'ECHEC'; errorCode: string; errorMessage: string },
): Promise<boolean> {
  const r =
    out.state === 'TERMINE'
      ? await db.query(
          `UPDATE line_tests SET state = 'TERMINE', finished_at = $2, verdict = $3, origin = $4, measures = $5 WHERE id = $1 AND state = 'EN_COURS'`,
          [id, at, out.verdict, out.origin ?? null, JSON.stringify(out.measures)],
        )
      : await db.query(
          `UPDATE line_tests SET state = 'ECHEC', finished_at = $2, error_code = $3, error_message = $4 WHERE id = $1 AND state = 'EN_COURS'`,
          [id, at, out.errorCode, out.errorMessage],
        );
  return r.rowCount === 1;
}

/** Tests still EN_COURS past their deadline: their run was lost (a gateway died, a job expired). */
export async function overdueTests(db: Pool, now: Date, limit = 500): Promise<string[]> {
  const r = await db.query(`SELECT id FROM line_tests WHERE state = 'EN_COURS' AND deadline_at <= $1 ORDER BY deadline_at LIMIT $2`, [now, limit]);
  return r.rows.map((x) => x.id);
}

/** The latest finished test of a prestation by this operator in [since, now]. */
export async function recentFinishedTest(db: Pool, siren: string, prestationId: string, since: Date, now: Date): Promise<{ id: string; finishedAt: Date } | undefined> {
  const r = await db.query(
    `SELECT id, finished_at FROM line_tests
      WHERE prestation_id = $1 AND operator_siren = $2 AND state = 'TERMINE' AND finished_at >= $3 AND finished_at <= $4
      ORDER BY finished_at DESC LIMIT 1`,
    [prestationId, siren, since, now],
  );
  return r.rows[0] && { id: r.rows[0].id, finishedAt: r.rows[0].finished_at };
}

export async function testTypes(db: Pool): Promise<Array<{ code: TestType; label: string }>> {
  return (await db.query('SELECT code, label FROM test_types ORDER BY code')).rows;
}

export async function offerTestTypes(db: Pool, offerCode: string): Promise<Array<{ code: TestType; label: string }>> {
  const r = await db.query(
    'SELECT t.code, t.label FROM offer_tests o JOIN test_types t ON t.code = o.test_type WHERE o.offer_code = $1 ORDER BY t.code',
    [offerCode],
  );
  return r.rows;
}

export async function setOfferTests(db: Pool, offerCode: string, types: string[]): Promise<void> {
  await inTransaction(db, async (c) => {
    await c.query('DELETE FROM offer_tests WHERE offer_code = $1', [offerCode]);
    for (const t of types) await c.query('INSERT INTO offer_tests (offer_code, test_type) VALUES ($1, $2)', [offerCode, t]);
  });
}

export async function setTestRequired(db: Pool, offerCode: string, minutes: number | null): Promise<boolean> {
  return (await db.query('UPDATE offers SET test_required_minutes = $2 WHERE code = $1', [offerCode, minutes])).rowCount === 1;
}

export async function testRequiredMinutes(db: Pool): Promise<Map<string, number>> {
  const r = await db.query('SELECT code, test_required_minutes FROM offers WHERE test_required_minutes IS NOT NULL');
  return new Map(r.rows.map((x) => [x.code as string, x.test_required_minutes as number]));
}
