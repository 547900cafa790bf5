import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// timestamptz and bigint come back as strings/Dates by default; keep bigint exact as string.
export function createPool(connectionString: string, max: number, statementTimeoutMs: number, opts: { synchronousCommit?: 'on' | 'off' } = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    // Only for data whose loss in a crash is harmless (appointment holds): skip the WAL flush wait.
    ...(opts.synchronousCommit === 'off' ? { options: '-c synchronous_commit=off' } : {}),
    max,
    // Fail fast when the database is unreachable instead of queueing requests forever.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    statement_timeout: statementTimeoutMs,
    application_name: 'esav-gateway',
  });
  // An idle client that loses its server emits here; without a listener the process would die.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs fn in one transaction; rolls back on any throw so nothing is half-written. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
