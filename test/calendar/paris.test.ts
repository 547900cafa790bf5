import { describe, it, expect } from '@jest/globals';
import {
  PARIS,
  parisDate,
  parisMidnight,
  parisTime,
  nextParisMidnight,
  parisMinutesOfDay,
} from '../../src/calendar/index.js';

const utc = (iso: string): Date => new Date(iso);

describe('PARIS', () => {
  it('is the IANA zone name', () => {
    expect(PARIS).toBe('Europe/Paris');
  });
});

describe('parisDate', () => {
  it('uses the Paris calendar date, not the UTC one', () => {
    expect(parisDate(utc('2026-03-28T23:30:00Z'))).toBe('2026-03-29'); // 00:30 CET
    expect(parisDate(utc('2026-06-30T22:30:00Z'))).toBe('2026-07-01'); // 00:30 CEST
    expect(parisDate(utc('2026-06-30T21:59:59.999Z'))).toBe('2026-06-30');
    expect(parisDate(utc('2026-12-31T23:00:00Z'))).toBe('2027-01-01');
  });

  it('rejects an invalid Date', () => {
    expect(() => parisDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('parisMidnight', () => {
  it('follows the offset in force that night', () => {
    expect(parisMidnight('2026-01-15').toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(parisMidnight('2026-07-14').toISOString()).toBe('2026-07-13T22:00:00.000Z');
  });

  it('is correct around both DST changes', () => {
    expect(parisMidnight('2026-03-29').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(parisMidnight('2026-03-30').toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(parisMidnight('2026-10-25').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(parisMidnight('2026-10-26').toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('rejects malformed or impossible dates', () => {
    expect(() => parisMidnight('2026-02-30')).toThrow(RangeError);
    expect(() => parisMidnight('2026-2-3')).toThrow(RangeError);
    expect(() => parisMidnight('2026-02-03T00:00')).toThrow(RangeError);
  });
});

describe('parisTime', () => {
  it('converts ordinary wall times', () => {
    expect(parisTime('2026-01-15', 10, 0).toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(parisTime('2026-07-14', 10, 30).toISOString()).toBe('2026-07-14T08:30:00.000Z');
  });

  it('throws RangeError inside the spring-forward gap (2026-03-29 02:00-02:59)', () => {
    expect(() => parisTime('2026-03-29', 2, 0)).toThrow(RangeError);
    expect(() => parisTime('2026-03-29', 2, 30)).toThrow(RangeError);
    expect(() => parisTime('2026-03-29', 2, 59)).toThrow(RangeError);
    expect(parisTime('2026-03-29', 1, 59).toISOString()).toBe('2026-03-29T00:59:00.000Z');
    expect(parisTime('2026-03-29', 3, 0).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('returns the earlier instant in the fall-back hour (2026-10-25 02:00-02:59)', () => {
    expect(parisTime('2026-10-25', 2, 0).toISOString()).toBe('2026-10-25T00:00:00.000Z');
    expect(parisTime('2026-10-25', 2, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(parisTime('2026-10-25', 1, 59).toISOString()).toBe('2026-10-24T23:59:00.000Z');
    expect(parisTime('2026-10-25', 3, 0).toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('rejects out-of-range fields', () => {
    expect(() => parisTime('2026-01-15', 24, 0)).toThrow(RangeError);
    expect(() => parisTime('2026-01-15', 10, 60)).toThrow(RangeError);
    expect(() => parisTime('2026-01-15', 10.5, 0)).toThrow(RangeError);
  });
});

describe('nextParisMidnight', () => {
  it('is strictly after the instant, even at midnight exactly', () => {
    expect(nextParisMidnight(utc('2026-01-14T23:00:00Z')).toISOString()).toBe('2026-01-15T23:00:00.000Z');
    expect(nextParisMidnight(utc('2026-01-14T22:59:59.999Z')).toISOString()).toBe('2026-01-14T23:00:00.000Z');
  });

  it('handles the 23-hour and 25-hour days', () => {
    // 2026-03-29 lasts 23 h in Paris.
    expect(nextParisMidnight(utc('2026-03-28T23:00:00Z')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // 2026-10-25 lasts 25 h in Paris.
    expect(nextParisMidnight(utc('2026-10-24T22:00:00Z')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(nextParisMidnight(utc('2026-10-25T22:30:00Z')).toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });
});

describe('parisMinutesOfDay', () => {
  it('reads the Paris wall clock', () => {
    expect(parisMinutesOfDay(utc('2026-01-14T23:00:00Z'))).toBe(0);
    expect(parisMinutesOfDay(utc('2026-01-15T22:59:59Z'))).toBe(1439);
    expect(parisMinutesOfDay(utc('2026-07-14T08:30:00Z'))).toBe(630);
  });

  it('gives the same reading for both occurrences of 02:30 on 2026-10-25', () => {
    expect(parisMinutesOfDay(utc('2026-10-25T00:30:00Z'))).toBe(150);
    expect(parisMinutesOfDay(utc('2026-10-25T01:30:00Z'))).toBe(150);
  });

  it('jumps from 01:59 to 03:00 on 2026-03-29', () => {
    expect(parisMinutesOfDay(utc('2026-03-29T00:59:00Z'))).toBe(119);
    expect(parisMinutesOfDay(utc('2026-03-29T01:00:00Z'))).toBe(180);
  });
});

describe('parisDate and parisMinutesOfDay (offset cached per UTC hour) agree with the tz rules', () => {
  it('on 20,000 seeded instants from 1990 to 2040, and every minute around the 2026 changes', async () => {
    const { DateTime } = await import('luxon');
    const check = (ms: number) => {
      const dt = DateTime.fromMillis(ms, { zone: 'Europe/Paris' });
      expect(parisDate(new Date(ms))).toBe(dt.toISODate());
      expect(parisMinutesOfDay(new Date(ms))).toBe(dt.hour * 60 + dt.minute);
    };
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const lo = Date.UTC(1990, 0, 1);
    const hi = Date.UTC(2040, 0, 1);
    for (let i = 0; i < 20_000; i++) check(Math.floor(lo + next() * (hi - lo)));
    for (const change of [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)]) {
      for (let m = -90; m <= 90; m++) check(change + m * 60_000 - 1);
      for (let m = -90; m <= 90; m++) check(change + m * 60_000);
    }
  });
});
