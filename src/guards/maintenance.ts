// Article 11: the nightly maintenance window and planned interruptions. During a window every
// web-service call gets a Server fault MAINTENANCE_EN_COURS with the planned end (and Retry-After);
// WSDLs and GET /ws still answer (they are not SOAP calls). Windows are read from memory,
// refreshed on NOTIFY esav_lifecycle.
import { DateTime } from 'luxon';
import type { Pool, PoolClient } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Logger } from '../log.js';
import { SoapFault } from '../soap/faults.js';
import { PARIS, nextParisMidnight, parisDate, parisMidnight, parisTime, subtractWorkingDaysFromInstant } from '../calendar/index.js';
import { addCalendarDays } from '../calendar/isoDate.js';
import { logReloadFailure } from '../db/unavailable.js';

export const MAINTENANCE_NOTICE_WORKING_DAYS = 2;

export interface NightlyWindow {
  /** Paris wall clock */
  hour: number;
  minute: number;
  minutes: number;
}

export interface MaintenanceWindow {
  id?: number;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  urgent?: boolean;
}

/** Thrown for a refused `esav maintenance add` (the message says what to do). */
export class MaintenanceRuleError extends Error {}

export const parisIso = (d: Date) => DateTime.fromMillis(d.getTime(), { zone: PARIS }).toISO({ suppressMilliseconds: true })!;

/** The nightly windows around `now` (yesterday's may run past midnight). */
export function nightlyWindows(n: NightlyWindow, now: Date): MaintenanceWindow[] {
  const today = parisDate(now);
  const out: MaintenanceWindow[] = [];
  for (const date of [addCalendarDays(today, -1), today]) {
    let start: Date;
    try {
      start = parisTime(date, n.hour, n.minute);
    } catch {
      continue; // the configured time does not exist that night (DST gap)
    }
    out.push({ startsAt: start, endsAt: new Date(start.getTime() + n.minutes * 60_000), reason: 'maintenance quotidienne' });
  }
  return out;
}

/** The window in force at `now`, its end pushed to the end of any window it runs into. */
export function activeWindow(windows: MaintenanceWindow[], now: Date): MaintenanceWindow | undefined {
  const t = now.getTime();
  const hit = windows.filter((w) => w.startsAt.getTime() <= t && t < w.endsAt.getTime());
  if (hit.length === 0) return undefined;
  let end = Math.max(...hit.map((w) => w.endsAt.getTime()));
  for (let grew = true; grew; ) {
    grew = false;
    for (const w of windows) {
      if (w.startsAt.getTime() <= end && w.endsAt.getTime() > end) {
        end = w.endsAt.getTime();
        grew = true;
      }
    }
  }
  return { startsAt: hit[0]!.startsAt, endsAt: new Date(end), reason: hit.map((w) => w.reason).join(' ; ') };
}

export class MaintenanceGuard {
  private planned: MaintenanceWindow[] = [];
  // The nightly windows depend only on the Paris date: computed once a day, not per request
  // (time-zone arithmetic on every call was 13% of a deposit's CPU).
  private nightlyCache?: { from: number; until: number; windows: MaintenanceWindow[] };

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
    private readonly nightly: NightlyWindow | null,
    private readonly log: Logger,
  ) {}

  async start(hub: NotificationHub): Promise<void> {
    await this.refresh();
    const again = () => void this.refresh().catch((err) => logReloadFailure(this.log, err, 'maintenance windows reload failed'));
    hub.on('esav_lifecycle', (table: string) => {
      if (table === 'maintenance_windows') again();
    });
    hub.on('reset', again);
  }

  async refresh(): Promise<void> {
    this.planned = await listWindows(this.pool, new Date(0));
  }

  private nightlyAround(now: Date): MaintenanceWindow[] {
    const t = now.getTime();
    const c = this.nightlyCache;
    if (c && c.from <= t && t < c.until) return c.windows;
    const from = parisMidnight(parisDate(now)).getTime();
    const windows = nightlyWindows(this.nightly!, now);
    this.nightlyCache = { from, until: nextParisMidnight(now).getTime(), windows };
    return windows;
  }

  active(now = this.clock()): MaintenanceWindow | undefined {
    const windows = this.nightly ? [...this.nightlyAround(now), ...this.planned] : this.planned;
    return activeWindow(windows, now);
  }

  /** Pipeline, first thing: a Server fault during a window. */
  check(): void {
    const now = this.clock();
    const w = this.active(now);
    if (!w) return;
    const seconds = Math.max(1, Math.ceil((w.endsAt.getTime() - now.getTime()) / 1000));
    throw new SoapFault(
      'Server',
      'MAINTENANCE_EN_COURS',
      `Service interrompu pour maintenance (${w.reason}) ; fin prévue le ${parisIso(w.endsAt)}.`,
      [],
      { 'Retry-After': String(seconds) },
    );
  }
}

/** Planned windows not cancelled that end after `since`. */
export async function listWindows(pool: Pool, since: Date): Promise<MaintenanceWindow[]> {
  const { rows } = await pool.query(
    `SELECT id, starts_at, ends_at, reason, urgent FROM maintenance_windows WHERE cancelled_at IS NULL AND ends_at > $1 ORDER BY starts_at`,
    [since],
  );
  return rows.map((r) => ({ id: Number(r.id), startsAt: r.starts_at, endsAt: r.ends_at, reason: r.reason, urgent: r.urgent }));
}

/** A planned interruption: at least 2 working days' notice (same wall time), unless urgent. */
export async function addWindow(pool: Pool | PoolClient, w: MaintenanceWindow, now: Date): Promise<MaintenanceWindow> {
  if (!(w.endsAt.getTime() > w.startsAt.getTime())) throw new MaintenanceRuleError('--to must be after --from');
  if (w.endsAt.getTime() <= now.getTime()) throw new MaintenanceRuleError(`the window ends in the past (now: ${parisIso(now)})`);
  if (!w.reason.trim()) throw new MaintenanceRuleError('--reason must say why (operators read it)');
  if (!w.urgent) {
    const latestNotice = subtractWorkingDaysFromInstant(w.startsAt, MAINTENANCE_NOTICE_WORKING_DAYS);
    if (latestNotice.getTime() < now.getTime()) {
      throw new MaintenanceRuleError(
        `a planned interruption needs ${MAINTENANCE_NOTICE_WORKING_DAYS} working days' notice: starting ${parisIso(w.startsAt)}, it had to be recorded by ${parisIso(latestNotice)}; use --urgent for an urgent one`,
      );
    }
  }
  const { rows } = await pool.query(
    `INSERT INTO maintenance_windows (starts_at, ends_at, reason, urgent, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [w.startsAt, w.endsAt, w.reason, Boolean(w.urgent), now],
  );
  return { ...w, id: Number(rows[0].id) };
}

export async function cancelWindow(pool: Pool | PoolClient, id: number, now: Date): Promise<boolean> {
  const r = await pool.query(`UPDATE maintenance_windows SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL`, [id, now]);
  return (r.rowCount ?? 0) > 0;
}
