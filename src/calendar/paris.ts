// Conversions between instants and Paris wall-clock time. All zone rules come
// from luxon (IANA tz data); nothing here assumes a fixed UTC offset.
import { DateTime, IANAZone } from 'luxon';
import { addCalendarDays, parseIsoDate } from './isoDate.js';

export const PARIS = 'Europe/Paris';

const zone = IANAZone.create(PARIS);
const DAY_MS = 86_400_000;

function assertInstant(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError('Invalid instant (expected a valid Date)');
  }
}

const HOUR_MS = 3_600_000;
/** Paris UTC offset (minutes) per UTC hour; the requests of a day ask about the same few hours. */
const offsetByHour = new Map<number, number>();

/**
 * Paris UTC offset at `ms`, in minutes. The tz rules are read once per UTC hour: Europe/Paris
 * changes offset on whole UTC hours (01:00 UTC since 1996), and an hour whose two ends disagree
 * is not cached, so this stays exact for any rule. Hot: slot searches and deposits ask per request.
 */
function parisOffset(ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  let off = offsetByHour.get(hour);
  if (off === undefined) {
    off = zone.offset(ms);
    if (zone.offset(hour * HOUR_MS) === off && zone.offset(hour * HOUR_MS + HOUR_MS - 1) === off) {
      if (offsetByHour.size >= 100_000) offsetByHour.clear();
      offsetByHour.set(hour, off);
    }
  }
  return off;
}

/** Milliseconds of the Paris wall clock at the instant, counted as if it were UTC. */
function parisWallMs(instant: Date): number {
  assertInstant(instant);
  const ms = instant.getTime();
  return ms + parisOffset(ms) * 60_000;
}

function assertInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
}

/** 'YYYY-MM-DD' of the instant in Paris. */
export function parisDate(instant: Date): string {
  const wall = parisWallMs(instant);
  const y = new Date(wall).getUTCFullYear();
  // Years outside 0..9999 take luxon's spelling (toISOString's differs there).
  if (y < 0 || y > 9999) return DateTime.fromMillis(instant.getTime(), { zone }).toISODate() as string;
  return new Date(wall).toISOString().slice(0, 10);
}

/** Paris wall-clock minutes since midnight, 0..1439. */
export function parisMinutesOfDay(instant: Date): number {
  const minutes = Math.floor(parisWallMs(instant) / 60_000) % 1440;
  return minutes < 0 ? minutes + 1440 : minutes;
}

/**
 * Every instant whose Paris wall clock reads the given date and time, sorted
 * ascending: [] in the spring-forward gap, two in the autumn fall-back hour,
 * otherwise one. Internal building block (not re-exported by index); we do not
 * rely on luxon's fromObject here because it silently shifts gap times forward
 * and resolves ambiguous times to the *later* instant.
 */
export function parisWallTimeCandidates(
  isoDate: string,
  hh: number,
  mm: number,
  ss = 0,
  ms = 0,
): Date[] {
  const { year, month, day } = parseIsoDate(isoDate);
  assertInt('hour', hh, 0, 23);
  assertInt('minute', mm, 0, 59);
  assertInt('second', ss, 0, 59);
  assertInt('millisecond', ms, 0, 999);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hh, mm, ss, ms);
  const wallAsUtc = d.getTime();
  // Offsets in force a day either side cover both sides of any Paris transition.
  const offsets = new Set([zone.offset(wallAsUtc - DAY_MS), zone.offset(wallAsUtc), zone.offset(wallAsUtc + DAY_MS)]);
  const found = new Set<number>();
  for (const off of offsets) {
    const t = wallAsUtc - off * 60_000;
    if (zone.offset(t) === off) found.add(t);
  }
  return [...found].sort((a, b) => a - b).map((t) => new Date(t));
}

/**
 * Instant of a Paris wall-clock time. Throws RangeError for a non-existent
 * time (spring-forward gap, 02:00-02:59 on the last Sunday of March). For an
 * ambiguous time (02:00-02:59 on the last Sunday of October) returns the
 * EARLIER instant, i.e. the one still on summer time (+02:00).
 */
export function parisTime(isoDate: string, hh: number, mm: number): Date {
  const [first] = parisWallTimeCandidates(isoDate, hh, mm);
  if (!first) {
    throw new RangeError(`${isoDate} ${hh}:${String(mm).padStart(2, '0')} does not exist in ${PARIS} (DST gap)`);
  }
  return first;
}

/** Instant of 00:00 Paris on that date (Paris midnight always exists). */
export function parisMidnight(isoDate: string): Date {
  return parisTime(isoDate, 0, 0);
}

/** First Paris midnight strictly after the instant ("the night following"). */
export function nextParisMidnight(instant: Date): Date {
  // The midnight opening the instant's own Paris date is <= instant, so the
  // answer is always the next calendar date's midnight, even at 00:00 exactly.
  return parisMidnight(addCalendarDays(parisDate(instant), 1));
}
