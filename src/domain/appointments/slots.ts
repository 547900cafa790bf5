import { parisDate, slotStartsForDay } from '../../calendar/index.js';

/** A technician as the slot computation sees it. */
export interface TechnicianPlan {
  id: string;
  weekdays: number[];
  startMinute: number;
  endMinute: number;
  daysOff: Set<string>;
  /** Busy intervals (appointments not cancelled), any order. */
  busy: Array<{ start: number; end: number }>;
}

export interface FreeWindow {
  start: Date;
  end: Date;
  /** Technicians free for the whole window. */
  capacity: number;
  technicianIds: string[];
}

const DAY_MS = 86_400_000;

function isoWeekday(isoDate: string): number {
  const d = new Date(`${isoDate}T12:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

function hhmm(minute: number): [number, number] {
  return [Math.floor(minute / 60), minute % 60];
}

/** Paris calendar dates from the one of `from` to the one of `to`, inclusive. */
export function parisDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  const last = parisDate(to);
  // Noon UTC steps cannot skip or repeat a Paris date, DST or not.
  for (let t = Date.parse(`${parisDate(from)}T12:00:00Z`); ; t += DAY_MS) {
    const d = new Date(t).toISOString().slice(0, 10);
    days.push(d);
    if (d >= last) return days;
  }
}

/**
 * Free 2-hour windows in [from, to] that start after `notBefore`: for each Paris day and each
 * technician working that weekday (not on a day off), the windows of calendar/slots.ts within
 * the technician's hours (2 real hours, starts on :00/:30 Paris time, DST-safe), kept when the
 * technician has no busy interval overlapping. Capacity = number of such technicians.
 */
export function freeWindows(techs: TechnicianPlan[], from: Date, to: Date, notBefore: Date): FreeWindow[] {
  const byStart = new Map<number, FreeWindow>();
  const lo = Math.max(from.getTime(), notBefore.getTime());
  const hi = to.getTime();
  for (const day of parisDays(from, to)) {
    const weekday = isoWeekday(day);
    for (const t of techs) {
      if (!t.weekdays.includes(weekday) || t.daysOff.has(day)) continue;
      const [oh, om] = hhmm(t.startMinute);
      const [ch, cm] = hhmm(t.endMinute);
      const windows = slotStartsForDay(day, oh, om, ch, cm);
      for (const w of windows) {
        const s = w.start.getTime();
        const e = w.end.getTime();
        if (s < lo || e > hi) continue;
        if (t.busy.some((b) => b.start < e && b.end > s)) continue;
        let fw = byStart.get(s);
        if (!fw) byStart.set(s, (fw = { start: w.start, end: w.end, capacity: 0, technicianIds: [] }));
        fw.capacity++;
        fw.technicianIds.push(t.id);
      }
    }
  }
  return [...byStart.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}
