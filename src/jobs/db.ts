import pg from 'pg';
import type { Logger } from '../log.js';

/**
 * pg-boss's database, on a pool of ours. pg-boss's own pool was ended with pool.end() while a
 * worker's fetch could still be waiting there for a connection: pg-pool never answers such a
 * waiter, so that worker never stopped and pg-boss's offWork loop went on polling it every second
 * (in the suite, its require() after Jest's teardown failed whole suites, about one run in 7).
 * This one ends its pool only once every query asked for has settled (also one still waiting for
 * a connection, and those asked meanwhile).
 */
export class JobsDb {
  private readonly pool: pg.Pool;
  private readonly pending = new Set<Promise<unknown>>();
  private ended = false;

  constructor(databaseUrl: string, log: Logger) {
    // Fail fast while the database is unreachable, as the gateway's own pools do.
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 3000, application_name: 'esav-jobs' });
    // An idle connection that the server closed (PostgreSQL stopping or restarting, or an admin
    // ending the backend): the pool drops it and opens another on the next query, so nothing
    // failed. Logged as an error it made every Ctrl-C of `npm start` look like a failure (the
    // embedded PostgreSQL gets the signal too and ends its connections first).
    this.pool.on('error', (err: Error & { code?: string }) =>
      log.warn({ err: err.message, code: err.code }, 'job queue: the database closed an idle connection; the next query opens a new one'),
    );
  }

  executeSql(text: string, values: unknown[]): Promise<{ rows: any[] }> {
    // Once ended it answers undefined, as pg-boss's own database does when closed: pg-boss reads
    // that as "nothing done", and does not await some of these calls (a job's completion), so a
    // rejection, or rows it cannot read, would go unhandled. A job whose completion is lost so
    // stays active and is retried when it expires, as after a crash.
    if (this.ended) return Promise.resolve(undefined as unknown as { rows: any[] });
    const q = this.pool.query(text, values);
    this.pending.add(q);
    const settled = () => this.pending.delete(q);
    q.then(settled, settled);
    return q;
  }

  /** After pg-boss has stopped: what its workers still ask for settles, then the pool ends. */
  async close(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    this.ended = true;
    await this.pool.end();
  }
}
