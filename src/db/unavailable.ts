import type { Logger } from '../log.js';

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001', '08003']);

/**
 * The database cannot be reached, or is stopping or starting (a failover, an outage, the embedded
 * PostgreSQL stopping with the gateway): not a fault of ours, and over when it is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return UNAVAILABLE_CODES.has(e?.code ?? '') || /timeout exceeded when trying to connect|Connection terminated/i.test(e?.message ?? '');
}

/**
 * A background reload (caches, windows, limits, TLS material) that failed. While the database is
 * unavailable it is a warning: the next notification, or the reset when the listener is back,
 * reloads again. Anything else is an error.
 */
export function logReloadFailure(log: Pick<Logger, 'warn' | 'error'>, err: unknown, msg: string, fields: object = {}): void {
  if (isDatabaseUnavailable(err)) log.warn({ ...fields, err: (err as Error)?.message, code: (err as { code?: string })?.code }, `${msg} (database unavailable)`);
  else log.error({ ...fields, err }, msg);
}
