import { describe, it, expect } from '@jest/globals';
import {
  isWorkingDay,
  addWorkingDays,
  workingDaysBetween,
  subtractWorkingDaysFromInstant,
  isSupportOpen,
  nextSupportOpening,
} from '../../src/calendar/index.js';

const utc = (iso: string): Date => new Date(iso);

describe('isWorkingDay', () => {
  it('is Monday-Friday except public holidays', () => {
    expect(isWorkingDay('2026-05-13')).toBe(true); // Wednesday
    expect(isWorkingDay('2026-05-14')).toBe(false); // Ascension (Thursday)
    expect(isWorkingDay('2026-05-15')).toBe(true); // Friday "pont", still a working day
    expect(isWorkingDay('2026-05-16')).toBe(false); // Saturday
    expect(isWorkingDay('2026-05-17')).toBe(false); // Sunday
    expect(isWorkingDay('2026-05-25')).toBe(false); // Whit Monday
  });

  it('counts 252 working days in 2026', () => {
    expect(workingDaysBetween('2025-12-31', '2026-12-31')).toBe(252);
  });
});

describe('addWorkingDays', () => {
  it('skips Ascension 2026 and the weekend', () => {
    expect(addWorkingDays('2026-05-13', 1)).toBe('2026-05-15');
    expect(addWorkingDays('2026-05-13', 2)).toBe('2026-05-18');
    expect(addWorkingDays('2026-05-15', -1)).toBe('2026-05-13');
    expect(addWorkingDays('2026-05-18', -2)).toBe('2026-05-13');
  });

  it('skips Whit Monday 2026', () => {
    expect(addWorkingDays('2026-05-22', 1)).toBe('2026-05-26');
    expect(addWorkingDays('2026-05-26', -1)).toBe('2026-05-22');
  });

  it('crosses Christmas and New Year 2026/2027', () => {
    expect(addWorkingDays('2026-12-24', 1)).toBe('2026-12-28');
    expect(addWorkingDays('2026-12-31', 1)).toBe('2027-01-04');
    expect(addWorkingDays('2026-12-24', 5)).toBe('2027-01-04');
    expect(addWorkingDays('2027-01-04', -1)).toBe('2026-12-31');
    expect(addWorkingDays('2027-01-04', -5)).toBe('2026-12-24');
  });

  it('starts from a non-working day without counting it', () => {
    expect(addWorkingDays('2026-05-16', 1)).toBe('2026-05-18');
    expect(addWorkingDays('2026-05-16', -1)).toBe('2026-05-15');
  });

  it('returns the date unchanged for n = 0, working or not', () => {
    expect(addWorkingDays('2026-05-13', 0)).toBe('2026-05-13');
    expect(addWorkingDays('2026-05-14', 0)).toBe('2026-05-14');
  });

  it('rejects non-integer n and bad dates', () => {
    expect(() => addWorkingDays('2026-05-13', 1.5)).toThrow(RangeError);
    expect(() => addWorkingDays('2026-05-32', 1)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts d with from < d <= to', () => {
    expect(workingDaysBetween('2026-05-13', '2026-05-13')).toBe(0);
    expect(workingDaysBetween('2026-05-13', '2026-05-14')).toBe(0);
    expect(workingDaysBetween('2026-05-13', '2026-05-15')).toBe(1);
    expect(workingDaysBetween('2026-05-13', '2026-05-18')).toBe(2);
    expect(workingDaysBetween('2026-12-24', '2027-01-04')).toBe(5);
  });

  it('is negative (antisymmetric) when to < from', () => {
    expect(workingDaysBetween('2026-05-18', '2026-05-13')).toBe(-2);
    expect(workingDaysBetween('2027-01-04', '2026-12-24')).toBe(-5);
  });

  it('inverts addWorkingDays over every start date of 2026', () => {
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000) {
      const d = new Date(t).toISOString().slice(0, 10);
      for (const n of [1, 3, 15, 40]) expect(workingDaysBetween(d, addWorkingDays(d, n))).toBe(n);
      if (isWorkingDay(d)) {
        for (const n of [-1, -3, -15, -40]) expect(workingDaysBetween(d, addWorkingDays(d, n))).toBe(n);
      }
    }
  });
});

describe('subtractWorkingDaysFromInstant (certificate renewal = expiry - 15 working days)', () => {
  it('skips Whit Monday, Ascension and 8 May and keeps the wall time', () => {
    // Friday 2026-05-29 10:00 Paris -> Tuesday 2026-05-05 10:00 Paris.
    expect(subtractWorkingDaysFromInstant(utc('2026-05-29T08:00:00Z'), 15).toISOString()).toBe(
      '2026-05-05T08:00:00.000Z',
    );
  });

  it('keeps the Paris wall time across the March DST change', () => {
    // Friday 2026-04-10 10:00 CEST -> Thursday 2026-03-19 10:00 CET (Easter Monday skipped).
    expect(subtractWorkingDaysFromInstant(utc('2026-04-10T08:00:30.250Z'), 15).toISOString()).toBe(
      '2026-03-19T09:00:30.250Z',
    );
  });

  it('uses the Paris calendar date of the instant', () => {
    // 2026-06-01T22:30Z is Tuesday 2 June 00:30 in Paris -> Monday 1 June 00:30 Paris.
    expect(subtractWorkingDaysFromInstant(utc('2026-06-01T22:30:00Z'), 1).toISOString()).toBe(
      '2026-05-31T22:30:00.000Z',
    );
  });

  it('counts back from a non-working expiry date', () => {
    // Sunday 2026-05-17 10:00 -> Friday 15 May (Saturday skipped).
    expect(subtractWorkingDaysFromInstant(utc('2026-05-17T08:00:00Z'), 1).toISOString()).toBe(
      '2026-05-15T08:00:00.000Z',
    );
  });

  it('returns the same instant for n = 0', () => {
    const i = utc('2026-10-25T01:30:00Z'); // second 02:30 of the fall-back night
    expect(subtractWorkingDaysFromInstant(i, 0).getTime()).toBe(i.getTime());
  });
});

describe('isSupportOpen (Mon-Sat 08:00-18:00 Paris, not holidays)', () => {
  it('is open on a Saturday', () => {
    expect(isSupportOpen(utc('2026-05-16T08:00:00Z'))).toBe(true); // Sat 10:00 CEST
  });

  it('is closed on a Sunday', () => {
    expect(isSupportOpen(utc('2026-05-17T08:00:00Z'))).toBe(false);
  });

  it('is closed on 14 July', () => {
    expect(isSupportOpen(utc('2026-07-14T08:00:00Z'))).toBe(false); // Tuesday
  });

  it('opens at 08:00 and closes at 18:00 exactly', () => {
    expect(isSupportOpen(utc('2026-05-18T05:59:59Z'))).toBe(false); // 07:59:59
    expect(isSupportOpen(utc('2026-05-18T06:00:00Z'))).toBe(true); // 08:00
    expect(isSupportOpen(utc('2026-05-18T15:59:59Z'))).toBe(true); // 17:59:59
    expect(isSupportOpen(utc('2026-05-18T16:00:00Z'))).toBe(false); // 18:00
    expect(isSupportOpen(utc('2026-05-16T16:00:00Z'))).toBe(false); // Saturday 18:00
  });

  it('follows Paris winter time', () => {
    expect(isSupportOpen(utc('2026-01-15T07:00:00Z'))).toBe(true); // 08:00 CET
    expect(isSupportOpen(utc('2026-01-15T06:59:00Z'))).toBe(false); // 07:59 CET
    expect(isSupportOpen(utc('2026-01-15T17:00:00Z'))).toBe(false); // 18:00 CET
  });
});

describe('nextSupportOpening', () => {
  it('returns the instant itself when open', () => {
    const i = utc('2026-05-18T10:00:00Z');
    expect(nextSupportOpening(i).toISOString()).toBe(i.toISOString());
  });

  it('returns 08:00 the same day when before opening', () => {
    expect(nextSupportOpening(utc('2026-06-16T05:00:00Z')).toISOString()).toBe('2026-06-16T06:00:00.000Z');
  });

  it('goes from Saturday 18:00 to Monday 08:00', () => {
    expect(nextSupportOpening(utc('2026-05-16T16:00:00Z')).toISOString()).toBe('2026-05-18T06:00:00.000Z');
  });

  it('skips 14 July', () => {
    expect(nextSupportOpening(utc('2026-07-13T16:30:00Z')).toISOString()).toBe('2026-07-15T06:00:00.000Z');
  });

  it('skips a Saturday holiday and Sunday (15 Aug 2026)', () => {
    expect(nextSupportOpening(utc('2026-08-14T17:00:00Z')).toISOString()).toBe('2026-08-17T06:00:00.000Z');
  });

  it('opens on the Saturday after Christmas', () => {
    // Thu 24 Dec 19:00 CET -> Fri 25 closed -> Sat 26 Dec 08:00 CET.
    expect(nextSupportOpening(utc('2026-12-24T18:00:00Z')).toISOString()).toBe('2026-12-26T07:00:00.000Z');
  });

  it('uses the right offset after a DST change', () => {
    // Sunday 2026-03-29 01:30 CET -> Monday 30 March 08:00 CEST.
    expect(nextSupportOpening(utc('2026-03-29T00:30:00Z')).toISOString()).toBe('2026-03-30T06:00:00.000Z');
    // Saturday 2026-10-24 20:00 CEST -> Monday 26 October 08:00 CET.
    expect(nextSupportOpening(utc('2026-10-24T18:00:00Z')).toISOString()).toBe('2026-10-26T07:00:00.000Z');
  });
});
