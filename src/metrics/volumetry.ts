import type { Pool, PoolClient } from '../db/pool.js';
import type { Logger } from '../log.js';
import { ParisDay } from './parisDay.js';

/**
 * Kinds of requests the contract counts (article 7). A test request counts only once it produced
 * a result; the other kinds count answered requests.
 */
export type VolumetryKind = 'TEST_AVEC_RESULTAT' | 'INFO_TRAVAUX' | 'DEPOT' | 'CONSULTATION_ETAT' | 'HISTORIQUE';

export const VOLUMETRY_KINDS: readonly VolumetryKind[] = ['TEST_AVEC_RESULTAT', 'INFO_TRAVAUX', 'DEPOT', 'CONSULTATION_ETAT', 'HISTORIQUE'];

/**
 * Adds one request of `kind` to the operator's count for the Paris calendar day of `at`, in the
 * caller's statement or transaction (tests and works: not hot paths; a test's count commits with
 * its result). Hot paths use VolumetryCounter.
 */
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

export interface DayCounts {
  day: string;
  siren: string;
  counts: Record<VolumetryKind, number>;
}

/** Per Paris day and operator, the five counts (zeros filled), days then operators in order. */
export async function dailyCounts(db: Pool, from: string, to: string, siren?: string): Promise<DayCounts[]> {
  const r = await db.query<{ day: string; siren: string; kind: VolumetryKind; count: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, operator_siren AS siren, kind, count FROM volumetry
      WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR operator_siren = $3)
      ORDER BY day, operator_siren`,
    [from, to, siren ?? null],
  );
  const out: DayCounts[] = [];
  for (const row of r.rows) {
    let last = out.at(-1);
    if (!last || last.day !== row.day || last.siren !== row.siren) {
      last = { day: row.day, siren: row.siren, counts: { TEST_AVEC_RESULTAT: 0, INFO_TRAVAUX: 0, DEPOT: 0, CONSULTATION_ETAT: 0, HISTORIQUE: 0 } };
      out.push(last);
    }
    last.counts[row.kind] += Number(row.count);
  }
  return out;
}

/** Every operator's cumulative count per kind, all days (the /metrics counters). */
export async function totalCounts(db: Pool): Promise<Array<{ siren: string; kind: VolumetryKind; count: number }>> {
  const r = await db.query(`SELECT operator_siren AS siren, kind, sum(count)::text AS count FROM volumetry GROUP BY 1, 2 ORDER BY 1, 2`);
  return r.rows.map((x) => ({ siren: x.siren, kind: x.kind, count: Number(x.count) }));
}

/**
 * Counts of the hot paths (deposits, state queries, history requests): a Map increment per
 * request, and one multi-row upsert per interval (and on flush(): shutdown, /metrics). A kill -9
 * loses at most the last interval's counts, never a ticket.
 */
const KIND_INDEX: Record<VolumetryKind, number> = { TEST_AVEC_RESULTAT: 0, INFO_TRAVAUX: 1, DEPOT: 2, CONSULTATION_ETAT: 3, HISTORIQUE: 4 };

export class VolumetryCounter {
  // Paris day -> operator -> count per kind (VOLUMETRY_KINDS order): no key string built per call.
  private pending = new Map<string, Map<string, number[]>>();
  private readonly days = new ParisDay();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {}

  /** One answered request of `kind` for the operator, on the Paris day of `atMs`. */
  count(siren: string, kind: VolumetryKind, atMs: number): void {
    const day = this.days.of(atMs);
    let operators = this.pending.get(day);
    if (!operators) this.pending.set(day, (operators = new Map()));
    let counts = operators.get(siren);
    if (!counts) operators.set(siren, (counts = [0, 0, 0, 0, 0]));
    counts[KIND_INDEX[kind]]!++;
  }

  /** Counted here and not yet written. */
  unflushed(): number {
    let n = 0;
    for (const operators of this.pending.values()) for (const counts of operators.values()) for (const c of counts) n += c;
    return n;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what was counted before the call; flushes run one after the other. */
  flush(): Promise<void> {
    this.running = this.running.then(() => this.write(), () => this.write());
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const days: string[] = [];
    const sirens: string[] = [];
    const kinds: string[] = [];
    const counts: number[] = [];
    for (const [day, operators] of batch) {
      for (const [siren, perKind] of operators) {
        perKind.forEach((n, i) => {
          if (n === 0) return;
          days.push(day);
          sirens.push(siren);
          kinds.push(VOLUMETRY_KINDS[i]!);
          counts.push(n);
        });
      }
    }
    try {
      // The join skips an operator deleted meanwhile instead of failing the whole batch forever.
      await this.pool.query(
        `INSERT INTO volumetry (day, operator_siren, kind, count)
         SELECT u.day, u.siren, u.kind, u.n FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[]) AS u(day, siren, kind, n)
           JOIN operators o ON o.siren = u.siren
         ON CONFLICT (day, operator_siren, kind) DO UPDATE SET count = volumetry.count + EXCLUDED.count`,
        [days, sirens, kinds, counts],
      );
    } catch (err) {
      // Database away: keep the counts for the next flush.
      for (const [day, operators] of batch) {
        let into = this.pending.get(day);
        if (!into) this.pending.set(day, (into = new Map()));
        for (const [siren, perKind] of operators) {
          const have = into.get(siren);
          if (!have) into.set(siren, perKind);
          else perKind.forEach((n, i) => (have[i]! += n));
        }
      }
      this.log.warn({ err: (err as Error).message, requests: counts.reduce((a, b) => a + b, 0) }, 'volumetry flush failed; kept for the next one');
      throw err;
    }
  }
}
