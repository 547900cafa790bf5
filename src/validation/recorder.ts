import type { Pool } from '../db/pool.js';
import { createPool } from '../db/pool.js';
import type { Identity } from '../identity/resolver.js';
import type { Logger } from '../log.js';
import { domainOf, type Domain } from './domains.js';
import { outboxAdd, outboxDelivered, outboxFailed, outboxPending, recordValidation, type OutboxRow } from './repo.js';

/** After a failed delivery, calls do not try again inline for this long (the retry loop does). */
const INLINE_BACKOFF_MS = 10_000;
const RETRY_EVERY_MS = 10_000;

export interface CallRecord {
  service: string;
  version: string;
  operation: string;
  requestId: string;
}

/**
 * Integration platform: the first successful call of each operator in each domain is its
 * validation. It is kept in the integration database (validation_outbox) and delivered to the
 * production database (operator_validations), before the call is answered when production is
 * reachable, else by a retry loop every 10 s. Each process remembers what it delivered, so later
 * calls cost nothing. Delivering is idempotent (the first record stays), so several processes
 * may deliver the same row.
 */
export class ValidationRecorder {
  private readonly delivered = new Set<string>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly production: Pool;
  private lastFailure = 0;
  private timer?: NodeJS.Timeout;
  private retrying?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    productionUrl: string,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.production = createPool(productionUrl, 2, 5000);
  }

  start(): void {
    this.timer = setInterval(() => void this.retry(), RETRY_EVERY_MS);
    this.timer.unref();
    void this.retry();
  }

  /** Called after a call answered without fault; resolves once recorded (never rejects). */
  succeeded(identity: Identity, call: CallRecord): void | Promise<void> {
    const domain = domainOf(call.service);
    if (!domain) return;
    const key = `${identity.siren}/${domain}`;
    if (this.delivered.has(key)) return;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.record(identity.siren, domain, { ...call, certificate: identity.fingerprint })
        .catch((err: Error) => this.log.warn({ err: err.message, siren: identity.siren, domain }, 'could not record the validation; retried later'))
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async record(siren: string, domain: Domain, details: CallRecord & { certificate: string }): Promise<void> {
    const at = this.clock();
    await outboxAdd(this.pool, siren, domain, at, { ...details });
    if (Date.now() - this.lastFailure < INLINE_BACKOFF_MS) return;
    const [row] = await outboxPending(this.pool, 1, { siren, domain });
    if (row) await this.deliver(row);
    else this.delivered.add(`${siren}/${domain}`);
  }

  private async deliver(row: OutboxRow): Promise<boolean> {
    try {
      const created = await recordValidation(this.production, {
        siren: row.siren, domain: row.domain, validatedAt: row.validatedAt, how: 'platform', actor: 'plate-forme d\'intégration', details: row.details,
      });
      await outboxDelivered(this.pool, row.siren, row.domain, this.clock());
      this.delivered.add(`${row.siren}/${row.domain}`);
      if (created) this.log.info({ siren: row.siren, domain: row.domain, ...row.details }, 'operator validated a domain on the integration platform');
      return true;
    } catch (err) {
      this.lastFailure = Date.now();
      await outboxFailed(this.pool, row.siren, row.domain, (err as Error).message).catch(() => undefined);
      this.log.warn({ err: (err as Error).message, siren: row.siren, domain: row.domain }, 'production database unreachable: validation kept for delivery');
      return false;
    }
  }

  /** Delivers what waits in the outbox (also what other processes or earlier runs left). */
  retry(): Promise<void> {
    this.retrying ??= (async () => {
      try {
        for (const row of await outboxPending(this.pool)) if (!(await this.deliver(row))) break;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'validation outbox not read');
      } finally {
        this.retrying = undefined;
      }
    })();
    return this.retrying;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.retrying;
    await Promise.all(this.inflight.values());
    await this.production.end();
  }
}
