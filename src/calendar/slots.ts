// Technician appointment windows and the nightly slot-search blackout.
import { addCalendarDays, parseIsoDate } from './isoDate.js';
import { parisDate, parisMinutesOfDay, parisTime, parisWallTimeCandidates } from './paris.js';

export interface Slot {
  start: Date;
  end: Date;
}

const WINDOW_MIN = 120;
const WINDOW_MS = WINDOW_MIN * 60_000;
const STEP_MIN = 30;

function wallMinutes(name: string, hh: number, mm: number): number {
  const total = hh * 60 + mm;
  if (!Number.isInteger(hh) || !Number.isInteger(mm) || hh < 0 || mm < 0 || mm > 59 || total > 1440) {
    throw new RangeError(`${name} must be a wall time between 00:00 and 24:00, got ${String(hh)}:${String(mm)}`);
  }
  return total;
}

/**
 * 2-hour windows starting on every Paris :00/:30 wall time in [open, close],
 * each ending no later than close (24:00 = end of day is accepted).
 *
 * A window is kept only if it lasts exactly 2 real hours (end - start =
 * 7,200,000 ms) AND its wall-clock end reads start + 2:00, i.e. it does not
 * straddle a DST change. Hence on DST days: non-existent wall starts (March
 * gap) are skipped, windows crossing the change are skipped, and an ambiguous
 * wall start (October 02:00-02:59) yields at most one window - the earlier
 * occurrence if it qualifies, otherwise the later one. Wall starts are
 * therefore unique. Sorted by start.
 */
// The windows of a date and opening hours never change: computed once (time-zone lookups are the
// costly part, several per candidate start), kept for the dates a process keeps asking about.
const windowCache = new Map<string, readonly Slot[]>();
const WINDOW_CACHE_MAX = 20_000;

export function slotStartsForDay(
  isoDate: string,
  openHH: number,
  openMM: number,
  closeHH: number,
  closeMM: number,
): readonly Slot[] {
  const key = `${isoDate}|${openHH}|${openMM}|${closeHH}|${closeMM}`;
  let slots = windowCache.get(key);
  if (!slots) {
    slots = Object.freeze(computeSlots(isoDate, openHH, openMM, closeHH, closeMM));
    if (windowCache.size >= WINDOW_CACHE_MAX) windowCache.delete(windowCache.keys().next().value!);
    windowCache.set(key, slots);
  }
  return slots;
}

function computeSlots(isoDate: string, openHH: number, openMM: number, closeHH: number, closeMM: number): Slot[] {
  parseIsoDate(isoDate);
  const open = wallMinutes('open', openHH, openMM);
  const close = wallMinutes('close', closeHH, closeMM);
  if (open > close) throw new RangeError(`open (${openHH}:${openMM}) is after close (${closeHH}:${closeMM})`);
  const nextDay = addCalendarDays(isoDate, 1);

  // Wall minutes of `end` counted from the start of isoDate (1440 = next midnight).
  const wallEnd = (end: Date): number | undefined => {
    const d = parisDate(end);
    if (d === isoDate) return parisMinutesOfDay(end);
    if (d === nextDay) return 1440 + parisMinutesOfDay(end);
    return undefined;
  };

  const slots: Slot[] = [];
  for (let s = Math.ceil(open / STEP_MIN) * STEP_MIN; s + WINDOW_MIN <= close; s += STEP_MIN) {
    for (const start of parisWallTimeCandidates(isoDate, Math.floor(s / 60), s % 60)) {
      const end = new Date(start.getTime() + WINDOW_MS);
      if (wallEnd(end) === s + WINDOW_MIN) {
        slots.push({ start, end });
        break; // one window per wall start
      }
    }
  }
  return slots.sort((a, b) => a.start.getTime() - b.start.getTime());
}

// Slot search is unavailable 01:00-04:00 Paris wall time. The rule is on wall
// time, so on the October change it lasts 4 real hours and in March 2.
const BLACKOUT_FROM_MIN = 60;
const BLACKOUT_TO_HH = 4;

export function isInSearchBlackout(instant: Date): { blackout: boolean; reopensAt?: Date } {
  const minutes = parisMinutesOfDay(instant);
  if (minutes >= BLACKOUT_FROM_MIN && minutes < BLACKOUT_TO_HH * 60) {
    return { blackout: true, reopensAt: parisTime(parisDate(instant), BLACKOUT_TO_HH, 0) };
  }
  return { blackout: false };
}
