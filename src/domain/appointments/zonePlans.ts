import type { Pool } from '../../db/pool.js';
import type { NotificationHub } from '../../db/notifications.js';
import { addCalendarDays } from '../../calendar/isoDate.js';
import { parisDate, parisMidnight } from '../../calendar/index.js';
import { freeWindows, parisDays } from './slots.js';
import { technicianPlans } from './repo.js';

/** A free window as a search answers it, its answer XML prepared once. */
export interface CachedWindow {
  readonly start: Date;
  readonly end: Date;
  readonly startMs: number;
  readonly endMs: number;
  /** Start in epoch minutes. */
  readonly startMinute: number;
  /** `<occCreneau>…<idOI>` up to the search id, and what follows it (`.<start base 36></idOI></occCreneau>`). */
  readonly head: string;
  readonly tail: string;
}

/** The slot id (idOI, given back as idCreneau): the search that offered it, then its start in epoch minutes, base 36. */
export function slotId(searchId: string, w: Pick<CachedWindow, 'startMinute'>): string {
  return `${searchId}.${w.startMinute.toString(36)}`;
}

function prepared(start: Date, end: Date): CachedWindow {
  const startMinute = Math.round(start.getTime() / 60_000);
  return {
    start, end, startMs: start.getTime(), endMs: end.getTime(), startMinute,
    head: `<occCreneau><dateDebut>${start.toISOString()}</dateDebut><dateFin>${end.toISOString()}</dateFin><idOI>`,
    tail: `.${startMinute.toString(36)}</idOI></occCreneau>`,
  };
}

type DayWindows = Map<string, readonly CachedWindow[]>;

/**
 * Each zone's free windows per Paris day, per intervention type, cached in the process: a search
 * is then a walk over cached days, with no database read. A booking, a move, a cancellation, a
 * technician or a day off changed anywhere NOTIFYs `esav_planning` (migration 013) and every
 * process drops the zone (or everything). A search in the few milliseconds before the
 * notification arrives may offer a window just booked elsewhere: its reservation is then refused
 * (CRENEAU_INDISPONIBLE), since booking always goes through PostgreSQL's exclusion constraint,
 * never through this cache. Bypassed while the notification connection is down.
 */
export class ZonePlanCache {
  private readonly zones = new Map<string, DayWindows>();
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped on every invalidation: a load that started before one is not kept. */
  private generation = 0;

  constructor(
    private readonly pool: Pool,
    private readonly hub?: NotificationHub,
    private readonly maxZones = 2_000,
    private readonly maxDaysPerZone = 120,
  ) {
    hub?.on('esav_planning', (zone: string) => this.invalidate(zone));
    hub?.on('reset', () => this.invalidate('*'));
  }

  /** Drops a zone's windows ('*': every zone's). This process calls it right after its own bookings. */
  invalidate(zone: string): void {
    this.generation++;
    if (zone === '*') {
      this.zones.clear();
      return;
    }
    for (const key of [...this.zones.keys()]) if (key.startsWith(`${zone}|`)) this.zones.delete(key);
  }

  /** Free windows of the zone for the type, starting at or after max(from, notBefore), ending by `to`, in order. */
  async windows(zone: string, type: string, from: Date, to: Date, notBefore: Date): Promise<CachedWindow[]> {
    const days = parisDays(from, to);
    const byDay = await this.days(zone, type, days);
    const lo = Math.max(from.getTime(), notBefore.getTime());
    const hi = to.getTime();
    const out: CachedWindow[] = [];
    for (const day of days) {
      for (const w of byDay.get(day) ?? []) if (w.startMs >= lo && w.endMs <= hi) out.push(w);
    }
    return out;
  }

  private async days(zone: string, type: string, days: string[]): Promise<DayWindows> {
    if (!this.hub?.live) return this.load(zone, type, days);
    const key = `${zone}|${type}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const cached = this.zones.get(key);
      const missing = cached ? days.filter((d) => !cached.has(d)) : days;
      if (missing.length === 0) return cached!;
      const pending = this.loading.get(key);
      if (pending) {
        await pending.catch(() => undefined);
        continue;
      }
      const generation = this.generation;
      const load = this.load(zone, type, missing);
      this.loading.set(key, load);
      try {
        const loaded = await load;
        if (generation !== this.generation) continue;
        let entry = this.zones.get(key);
        if (!entry || entry.size + loaded.size > this.maxDaysPerZone) {
          entry = new Map();
          if (this.zones.size >= this.maxZones) this.zones.delete(this.zones.keys().next().value!);
          this.zones.set(key, entry);
        }
        for (const [day, ws] of loaded) entry.set(day, ws);
      } finally {
        this.loading.delete(key);
      }
    }
    // Invalidated during every attempt (a busy zone): answer from the database.
    return this.load(zone, type, days);
  }

  /** One read for the days from the first to the last given (and every day between). */
  private async load(zone: string, type: string, days: string[]): Promise<DayWindows> {
    const first = days[0]!;
    const last = days[days.length - 1]!;
    const from = parisMidnight(first);
    const to = parisMidnight(addCalendarDays(last, 1));
    const techs = await technicianPlans(this.pool, zone, type, from, to);
    const out: DayWindows = new Map();
    for (const day of parisDays(from, new Date(to.getTime() - 1))) out.set(day, []);
    for (const w of freeWindows(techs, from, to, from)) {
      (out.get(parisDate(w.start)) as CachedWindow[] | undefined)?.push(prepared(w.start, w.end));
    }
    return out;
  }
}
