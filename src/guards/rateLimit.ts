// Article 7: requests per minute per operator, turned on by ops with an effective date announced
// at least the day before. Limits are cached per process (NOTIFY esav_lifecycle); an operator
// with a limit in force costs one UPSERT ... RETURNING on a shared per-minute counter, so the
// count holds across every gateway process; operators without a limit cost nothing.
import type { Pool, PoolClient } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Logger } from '../log.js';
import type { Identity } from '../identity/resolver.js';
import { SoapFault } from '../soap/faults.js';
import { nextParisMidnight } from '../calendar/index.js';
import { parisIso } from './maintenance.js';
import { logReloadFailure } from '../db/unavailable.js';

export interface RateLimitRow {
  /** null: every operator */
  siren: string | null;
  /** null: limit lifted */
  perMinute: number | null;
  effectiveFrom: Date;
}

export class RateLimitRuleError extends Error {}

/** The decision in force: the latest effective one; an operator's own wins a tie with --all. */
export function limitInForce(rows: RateLimitRow[], siren: string, now: Date): number | null {
  let best: RateLimitRow | undefined;
  for (const r of rows) {
    if ((r.siren !== null && r.siren !== siren) || r.effectiveFrom.getTime() > now.getTime()) continue;
    const t = r.effectiveFrom.getTime();
    const bt = best?.effectiveFrom.getTime() ?? -Infinity;
    if (!best || t > bt || (t === bt && r.siren !== null)) best = r;
  }
  return best?.perMinute ?? null;
}

const CLEANUP_EVERY_MS = 5 * 60_000;

export class RateLimiter {
  private rows: RateLimitRow[] = [];
  private hub?: NotificationHub;
  private lastCleanup = 0;

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {}

  async start(hub: NotificationHub): Promise<void> {
    this.hub = hub;
    await this.refresh();
    const again = () => void this.refresh().catch((err) => logReloadFailure(this.log, err, 'rate limits reload failed'));
    hub.on('esav_lifecycle', (table: string) => {
      if (table === 'rate_limits') again();
    });
    hub.on('reset', again);
  }

  async refresh(): Promise<void> {
    this.rows = await listLimits(this.pool);
  }

  /** Pipeline, after identity: one shared count per operator and minute. */
  /** Nothing to wait for (no promise) when no limit is recorded at all: the common case, on the hot path. */
  check(identity: Identity): void | Promise<void> {
    if (this.rows.length === 0 && (!this.hub || this.hub.live)) return;
    return this.checkCounted(identity);
  }

  private async checkCounted(identity: Identity): Promise<void> {
    // Without the LISTEN connection the cache may be stale: read the decisions again.
    if (this.hub && !this.hub.live) await this.refresh();
    if (this.rows.length === 0) return;
    const now = this.clock();
    const limit = limitInForce(this.rows, identity.siren, now);
    if (limit === null) return;
    const minute = Math.floor(now.getTime() / 60_000) * 60_000;
    const { rows } = await this.pool.query(
      `INSERT INTO rate_counters (siren, minute, hits) VALUES ($1, $2, 1)
       ON CONFLICT (siren, minute) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits`,
      [identity.siren, new Date(minute)],
    );
    if (now.getTime() - this.lastCleanup > CLEANUP_EVERY_MS) {
      this.lastCleanup = now.getTime();
      void this.pool.query('DELETE FROM rate_counters WHERE minute < $1', [new Date(minute - 10 * 60_000)]).catch(() => undefined);
    }
    if (rows[0].hits > limit) {
      const retry = new Date(minute + 60_000);
      throw new SoapFault(
        'Client',
        'LIMITE_DEBIT_DEPASSEE',
        `Limite de ${limit} requêtes par minute atteinte pour l'opérateur ${identity.siren} ; réessayez à partir de ${parisIso(retry)}.`,
        [],
        { 'Retry-After': String(Math.max(1, Math.ceil((retry.getTime() - now.getTime()) / 1000))) },
      );
    }
  }
}

export async function listLimits(pool: Pool): Promise<RateLimitRow[]> {
  const { rows } = await pool.query('SELECT siren, per_minute, effective_from FROM rate_limits ORDER BY effective_from, id');
  return rows.map((r) => ({ siren: r.siren, perMinute: r.per_minute, effectiveFrom: r.effective_from }));
}

/** A new decision; refused unless announced at least the day before (from the next Paris midnight). */
export async function setLimit(pool: Pool | PoolClient, row: RateLimitRow, now: Date): Promise<RateLimitRow & { id: number }> {
  const earliest = nextParisMidnight(now);
  if (row.effectiveFrom.getTime() < earliest.getTime()) {
    throw new RateLimitRuleError(`a rate limit is announced at least the day before: --from ${parisIso(earliest)} at the earliest (asked ${parisIso(row.effectiveFrom)})`);
  }
  if (row.perMinute !== null && (!Number.isInteger(row.perMinute) || row.perMinute < 1)) throw new RateLimitRuleError('--per-minute must be a positive integer');
  const r = await pool.query('INSERT INTO rate_limits (siren, per_minute, effective_from, created_at) VALUES ($1, $2, $3, $4) RETURNING id', [row.siren, row.perMinute, row.effectiveFrom, now]);
  return { ...row, id: Number(r.rows[0].id) };
}
