// The periodic notice scan (pg-boss, hourly, and once at start): certificate renewal reminders on
// their calendar, and a safety net for announcements whose change was recorded without them
// (e.g. before this feature was deployed): future maintenance windows, future rate-limit
// decisions, published versions not yet in production. Everything is keyed, so running it twice,
// or in two processes at once, makes each notice once.
import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { JobDefinition } from '../jobs/boss.js';
import { parisDate } from '../calendar/index.js';
import { loadRows } from '../lifecycle/versions.js';
import { certificateReminders } from './producers/certificates.js';
import { announceMaintenance } from './producers/maintenance.js';
import { announceRateLimit } from './producers/rateLimits.js';
import { announceEvolution } from './producers/evolutions.js';

export interface ScanOutcome {
  certificates: number;
  maintenance: number;
  rateLimits: number;
  evolutions: number;
}

export async function scanNotices(pool: Pool, now: Date): Promise<ScanOutcome> {
  const out: ScanOutcome = { certificates: await certificateReminders(pool, now), maintenance: 0, rateLimits: 0, evolutions: 0 };
  const windows = await pool.query(
    `SELECT id::int AS id, starts_at AS "startsAt", ends_at AS "endsAt", reason, urgent FROM maintenance_windows WHERE cancelled_at IS NULL AND starts_at > $1 ORDER BY id`,
    [now],
  );
  for (const w of windows.rows) out.maintenance += await announceMaintenance(pool, w, now);
  const limits = await pool.query(`SELECT id::int AS id, siren, per_minute AS "perMinute", effective_from AS "effectiveFrom" FROM rate_limits WHERE effective_from > $1 ORDER BY id`, [now]);
  for (const r of limits.rows) out.rateLimits += await announceRateLimit(pool, r, now);
  // Published (not seeded from the artefacts: those have no notice date) and still to come.
  const today = parisDate(now);
  const rows = await loadRows(pool);
  for (const row of rows) {
    if (row.status !== 'live' || row.noticeDate === null || row.productionDate <= today) continue;
    const older = rows
      .filter((o) => o.kind === row.kind && o.name === row.name && o.status === 'live' && o.sunsetDate !== null && o.productionDate < row.productionDate)
      .sort((a, b) => a.productionDate.localeCompare(b.productionDate))
      .at(-1);
    out.evolutions += await announceEvolution(pool, row, older && { version: older.version, sunsetDate: older.sunsetDate! }, now);
  }
  return out;
}

export const NOTICE_SCAN_JOB = 'notice-scan';

export function noticeScanJob(pool: Pool, clock: () => Date, log: Logger): JobDefinition {
  return {
    name: NOTICE_SCAN_JOB,
    cron: '7 * * * *',
    retryLimit: 1,
    async handler() {
      const out = await scanNotices(pool, clock());
      if (out.certificates + out.maintenance + out.rateLimits + out.evolutions > 0) log.info(out, 'notices enqueued by the scan');
    },
  };
}
