import PgBoss from 'pg-boss';
import pg from 'pg';
import { JobsDb } from './db.js';
import type { Logger } from '../log.js';

export type { PgBoss };

export interface JobDefinition {
  /** Queue name. */
  name: string;
  /** Cron in Europe/Paris time, for scheduled jobs (pg-boss runs each tick once across processes). */
  cron?: string;
  /** Runs one job; throwing fails it (pg-boss retries per `retryLimit`). */
  handler(data: Record<string, unknown>): Promise<void>;
  retryLimit?: number;
  /** Jobs of this queue taken at a time by this process. */
  batchSize?: number;
  pollingIntervalSeconds?: number;
}

export interface Jobs {
  boss: PgBoss;
  /** Stops the workers (running jobs may finish, up to 10 s), then closes the queue's database. */
  stop(): Promise<void>;
}

/**
 * The durable job queue: pg-boss in the same PostgreSQL (schema pgboss). Queued work survives a
 * restart; scheduled work runs once per tick even with several gateway processes (pg-boss
 * serialises cron through the database). Every area registers its jobs here at start.
 */
export async function startJobs(databaseUrl: string, jobs: JobDefinition[], log: Logger): Promise<Jobs> {
  const db = new JobsDb(databaseUrl, log);
  const boss = new PgBoss({ db, schema: 'pgboss' });
  boss.on('error', (err: Error) => log.error({ err: err.message }, 'job queue error'));
  const stop = async () => {
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    await db.close();
  };
  try {
    await boss.start();
    // Queues are tables (partitions): two workers creating them at once on a fresh database
    // deadlocked (40P01, a worker died at its first start). One process at a time creates them.
    await withStartLock(databaseUrl, async () => {
      for (const job of jobs) {
        await boss.createQueue(job.name, { name: job.name, retryLimit: job.retryLimit ?? 3, retryDelay: 5, retryBackoff: true });
      }
    });
    for (const job of jobs) {
      await boss.work<Record<string, unknown>>(
        job.name,
        { batchSize: job.batchSize ?? 1, pollingIntervalSeconds: job.pollingIntervalSeconds ?? 1 },
        async (batch) => {
          for (const j of batch) {
            try {
              await job.handler(j.data ?? {});
            } catch (err) {
              log.error({ job: job.name, id: j.id, err: (err as Error).message }, 'job failed');
              throw err;
            }
          }
        },
      );
      if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: 'Europe/Paris' });
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return { boss, stop };
}

/** Arbitrary key of the session advisory lock that serialises queue creation across processes. */
const QUEUE_SETUP_LOCK = 0x65736176; // 'esav'

async function withStartLock(databaseUrl: string, fn: () => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'esav-jobs-setup' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [QUEUE_SETUP_LOCK]);
    await fn();
  } finally {
    // Ending the session releases the lock, also when fn failed.
    await client.end().catch(() => undefined);
  }
}
