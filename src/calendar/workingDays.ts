// French "jours ouvrés" (Monday-Friday except public holidays) and the
// e-soutien support-desk opening hours.
import { DateTime } from 'luxon';
import { isFrenchPublicHoliday } from './holidays.js';
import { addCalendarDays, isoWeekday, parseIsoDate } from './isoDate.js';
import { PARIS, parisDate, parisMinutesOfDay, parisMidnight, parisTime, parisWallTimeCandidates } from './paris.js';

function assertInteger(name: string, n: number): void {
  if (!Number.isInteger(n)) throw new RangeError(`${name} must be an integer, got ${String(n)}`);
}

export function isWorkingDay(isoDate: string): boolean {
  return isoWeekday(isoDate) <= 5 && !isFrenchPublicHoliday(isoDate);
}

/**
 * Moves n working days forward (n < 0: backward). The start date itself is
 * never counted, so the result is always a working day, except for n = 0
 * which returns the date unchanged even if it is not a working day.
 */
export function addWorkingDays(isoDate: string, n: number): string {
  parseIsoDate(isoDate);
  assertInteger('n', n);
  const step = n < 0 ? -1 : 1;
  let date = isoDate;
  for (let left = Math.abs(n); left > 0; ) {
    date = addCalendarDays(date, step);
    if (isWorkingDay(date)) left--;
  }
  return date;
}

/**
 * Number of working days d with from < d <= to. Antisymmetric: if to < from
 * the result is -workingDaysBetween(to, from). Consequently
 * workingDaysBetween(x, addWorkingDays(x, n)) === n for every n >= 0, and for
 * n < 0 whenever x is itself a working day.
 */
export function workingDaysBetween(fromIso: string, toIso: string): number {
  parseIsoDate(fromIso);
  parseIsoDate(toIso);
  if (toIso < fromIso) return -workingDaysBetween(toIso, fromIso);
  let count = 0;
  for (let d = fromIso; d < toIso; ) {
    d = addCalendarDays(d, 1);
    if (isWorkingDay(d)) count++;
  }
  return count;
}

/**
 * "Renewal date = expiry minus n working days": goes back n working days from
 * the instant's Paris calendar date and keeps its Paris wall-clock time
 * (seconds and milliseconds included). If that wall time does not exist on the
 * target date (DST gap) the target's Paris midnight is returned; if it is
 * ambiguous the earlier instant is used. n = 0 returns the instant itself;
 * negative n moves forward.
 */
export function subtractWorkingDaysFromInstant(instant: Date, n: number): Date {
  assertInteger('n', n);
  const from = parisDate(instant); // also validates the instant
  if (n === 0) return new Date(instant.getTime());
  const target = addWorkingDays(from, -n);
  const wall = DateTime.fromMillis(instant.getTime(), { zone: PARIS });
  const [first] = parisWallTimeCandidates(target, wall.hour, wall.minute, wall.second, wall.millisecond);
  return first ?? parisMidnight(target);
}

// e-soutien desk: Monday to Saturday, 08:00-18:00 Paris, closed on public holidays.
const SUPPORT_OPEN_HH = 8;
const SUPPORT_OPEN_MIN = SUPPORT_OPEN_HH * 60;
const SUPPORT_CLOSE_MIN = 18 * 60;

function isSupportDay(isoDate: string): boolean {
  return isoWeekday(isoDate) <= 6 && !isFrenchPublicHoliday(isoDate);
}

/** True in [08:00, 18:00) Paris on a support day: 18:00 exactly is closed. */
export function isSupportOpen(instant: Date): boolean {
  const minutes = parisMinutesOfDay(instant);
  return isSupportDay(parisDate(instant)) && minutes >= SUPPORT_OPEN_MIN && minutes < SUPPORT_CLOSE_MIN;
}

/**
 * When the desk is next open: the instant itself if it is open now, otherwise
 * 08:00 Paris on the next support day (today if still before 08:00).
 */
export function nextSupportOpening(instant: Date): Date {
  if (isSupportOpen(instant)) return new Date(instant.getTime());
  let date = parisDate(instant);
  if (!(isSupportDay(date) && parisMinutesOfDay(instant) < SUPPORT_OPEN_MIN)) {
    // At most a Sunday plus a couple of holidays in a row: the loop is short.
    do date = addCalendarDays(date, 1);
    while (!isSupportDay(date));
  }
  return parisTime(date, SUPPORT_OPEN_HH, 0);
}
