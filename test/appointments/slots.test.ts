import { describe, expect, it } from '@jest/globals';
import { freeWindows, parisDays, type TechnicianPlan } from '../../src/domain/appointments/slots.js';
import { parisTime } from '../../src/calendar/index.js';

const H = 3600_000;

function tech(id: string, hours: [number, number] = [8 * 60, 18 * 60], busy: Array<[Date, Date]> = [], weekdays = [1, 2, 3, 4, 5, 6, 7]): TechnicianPlan {
  return { id, weekdays, startMinute: hours[0], endMinute: hours[1], daysOff: new Set(), busy: busy.map(([s, e]) => ({ start: s.getTime(), end: e.getTime() })) };
}

function offset(d: Date): string {
  return /UTC\+(\d)/.exec(new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', timeZoneName: 'short' }).format(d))![1]!;
}

function wallHm(d: Date): string {
  return new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' }).format(d);
}

describe('free 2-hour windows', () => {
  it('an ordinary day 08:00-18:00 gives 17 windows starting every 30 minutes, each 2 real hours', () => {
    const from = parisTime('2026-06-16', 0, 0);
    const w = freeWindows([tech('1')], from, new Date(from.getTime() + 24 * H), new Date(0));
    expect(w).toHaveLength(17);
    expect(wallHm(w[0]!.start)).toBe('08:00');
    expect(wallHm(w[16]!.start)).toBe('16:00');
    for (const x of w) expect(x.end.getTime() - x.start.getTime()).toBe(2 * H);
  });

  it.each([
    ['2026-03-29', 'spring forward'],
    ['2026-10-25', 'fall back'],
  ])('on %s (%s) no window lasts 1 or 3 hours, no start is missing or repeated', (day) => {
    const from = parisTime(day, 0, 0);
    const to = parisTime(day === '2026-03-29' ? '2026-03-30' : '2026-10-26', 0, 0);
    const night = freeWindows([tech('1', [0, 6 * 60])], from, to, new Date(0));
    const daytime = freeWindows([tech('1')], from, to, new Date(0));
    for (const w of [...night, ...daytime]) {
      expect(w.end.getTime() - w.start.getTime()).toBe(2 * H);
      expect(['00', '30']).toContain(wallHm(w.start).slice(3));
    }
    const starts = night.map((w) => w.start.getTime());
    expect(new Set(starts).size).toBe(starts.length);
    // Windows crossing the change would not read 2 hours on the clock: they are not offered.
    if (day === '2026-03-29') {
      expect(night.map((w) => wallHm(w.start))).toEqual(['03:00', '03:30', '04:00']);
    } else {
      // 01:00 and 01:30 would end after the change (3 real hours on the clock): skipped.
      expect(night.map((w) => `${wallHm(w.start)}+${offset(w.start)}`)).toEqual(['00:00+2', '00:30+2', '02:00+1', '02:30+1', '03:00+1', '03:30+1', '04:00+1']);
    }
    expect(daytime).toHaveLength(17);
  });

  it('a technician busy 10:00-12:00 is not offered on any window overlapping it; capacity counts the free ones', () => {
    const day = '2026-06-16';
    const from = parisTime(day, 0, 0);
    const busyTech = tech('1', undefined, [[parisTime(day, 10, 0), parisTime(day, 12, 0)]]);
    const w = freeWindows([busyTech, tech('2')], from, new Date(from.getTime() + 24 * H), new Date(0));
    const at = (hh: number, mm: number) => w.find((x) => x.start.getTime() === parisTime(day, hh, mm).getTime());
    expect(at(8, 0)?.capacity).toBe(2);
    expect(at(8, 30)?.capacity).toBe(1);
    expect(at(10, 0)?.technicianIds).toEqual(['2']);
    expect(at(11, 30)?.capacity).toBe(1);
    expect(at(12, 0)?.capacity).toBe(2);
  });

  it('respects the search range, the not-before instant, weekdays and days off', () => {
    const day = '2026-06-16'; // a Tuesday
    const t = tech('1', undefined, [], [1, 3, 4, 5]);
    expect(freeWindows([t], parisTime(day, 0, 0), parisTime(day, 23, 0), new Date(0))).toHaveLength(0);
    const off = tech('2');
    off.daysOff.add(day);
    expect(freeWindows([off], parisTime(day, 0, 0), parisTime(day, 23, 0), new Date(0))).toHaveLength(0);
    const w = freeWindows([tech('3')], parisTime(day, 9, 0), parisTime(day, 13, 0), parisTime(day, 9, 40));
    expect(w.map((x) => wallHm(x.start))).toEqual(['10:00', '10:30', '11:00']);
  });

  it('lists the Paris days of a range across a DST change', () => {
    expect(parisDays(parisTime('2026-10-24', 23, 0), parisTime('2026-10-26', 1, 0))).toEqual(['2026-10-24', '2026-10-25', '2026-10-26']);
  });
});
