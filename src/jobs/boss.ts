import PgBoss from 'pg-boss';
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

/**
 * The durable job queue: pg-boss in the same PostgreSQL (schema pgboss). Queued work survives a
 * restart; scheduled work runs once per tick even with several gateway processes (pg-boss
 * serialises cron through the database). Every area registers its jobs here at start.
 */
export async function startJobs(databaseUrl: string, jobs: JobDefinition[], log: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: 'pgboss',
    max: 4,
    application_name: 'esav-jobs',
  });
  boss.on('error', (err: Error) => log.error({ err: err.message }, 'job queue error'));
  await boss.start();
  for (const job of jobs) {
    await boss.createQueue(job.name, { name: job.name, retryLimit: job.retryLimit ?? 3, retryDelay: 5, retryBackoff: true });
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
  return boss;
}
