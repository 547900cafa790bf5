import type { Pool } from '../db/pool.js';
import { labelValue } from './soap.js';

/** Gauges read from PostgreSQL at scrape time: the same in every process. */

/** Expiry of every active operator certificate (the gateway's own are in the PKI metrics). */
export async function certificateExpiry(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ siren: string; scope: string; source: string; fingerprint: string; expiry: string }>(
    `SELECT operator_siren AS siren, scope, source, fingerprint, floor(extract(epoch FROM not_after))::bigint::text AS expiry
       FROM certificates WHERE status = 'active' ORDER BY operator_siren, not_after`,
  );
  return [
    '# HELP esav_certificate_expiry_timestamp_seconds Expiry (unix seconds) of each active operator certificate.',
    '# TYPE esav_certificate_expiry_timestamp_seconds gauge',
    ...r.rows.map((c) => `esav_certificate_expiry_timestamp_seconds{siren="${c.siren}",scope="${c.scope}",source="${c.source}",fingerprint="${c.fingerprint}"} ${c.expiry}`),
  ];
}

/**
 * Jobs per pg-boss queue (schema pgboss, v10): queued (waiting for a worker), deferred (start
 * time still to come: retries, deadlines) and active (running).
 */
export async function jobQueueDepth(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ queue: string; queued: string; deferred: string; active: string }>(
    `SELECT q.name AS queue,
            count(j.id) FILTER (WHERE j.state IN ('created', 'retry') AND j.start_after <= now()) AS queued,
            count(j.id) FILTER (WHERE j.state IN ('created', 'retry') AND j.start_after > now()) AS deferred,
            count(j.id) FILTER (WHERE j.state = 'active') AS active
       FROM pgboss.queue q LEFT JOIN pgboss.job j ON j.name = q.name AND j.state < 'completed'
      GROUP BY q.name ORDER BY q.name`,
  );
  const lines = ['# HELP esav_job_queue_depth Jobs per pg-boss queue and state (queued, deferred, active).', '# TYPE esav_job_queue_depth gauge'];
  for (const q of r.rows) {
    for (const state of ['queued', 'deferred', 'active'] as const) lines.push(`esav_job_queue_depth{queue="${labelValue(q.queue)}",state="${state}"} ${q[state]}`);
  }
  return lines;
}
