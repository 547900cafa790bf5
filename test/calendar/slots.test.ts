import { describe, it, expect } from '@jest/globals';
import {
  slotStartsForDay,
  isInSearchBlackout,
  parisDate,
  parisMinutesOfDay,
  parisTime,
} from '../../src/calendar/index.js';

type Slot = { start: Date; end: Date };

const TWO_HOURS_MS = 7_200_000;

/** Invariants every result of slotStartsForDay must satisfy. */
function expectWellFormed(isoDate: string, slots: readonly Slot[]): void {
  const starts = slots.map((s) => s.start.getTime());
  expect(new Set(starts).size).toBe(starts.length); // unique instants
  const wallStarts = slots.map((s) => parisMinutesOfDay(s.start));
  expect(new Set(wallStarts).size).toBe(wallStarts.length); // unique wall starts
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
  for (const { start, end } of slots) {
    expect(end.getTime() - start.getTime()).toBe(TWO_HOURS_MS);
    expect(parisDate(start)).toBe(isoDate);
    expect(start.getUTCSeconds()).toBe(0);
    expect(start.getUTCMilliseconds()).toBe(0);
    expect(parisMinutesOfDay(start) % 30).toBe(0);
    const endWall = parisDate(end) === isoDate ? parisMinutesOfDay(end) : 1440 + parisMinutesOfDay(end);
    expect(endWall - parisMinutesOfDay(start)).toBe(120);
  }
}

const isoStarts = (slots: readonly Slot[]): string[] => slots.map((s) => s.start.toISOString());

describe('slotStartsForDay', () => {
  it('gives 17 windows 08:00..16:00 on an ordinary day', () => {
    const slots = slotStartsForDay('2026-06-16', 8, 0, 18, 0);
    expectWellFormed('2026-06-16', slots);
    expect(slots).toHaveLength(17);
    expect(slots[0]?.start.toISOString()).toBe('2026-06-16T06:00:00.000Z');
    expect(slots[16]?.start.toISOString()).toBe('2026-06-16T14:00:00.000Z');
    expect(slots[16]?.end.toISOString()).toBe('2026-06-16T16:00:00.000Z');
  });

  it('gives 17 windows on the spring-forward day 2026-03-29 (08:00-18:00)', () => {
    const slots = slotStartsForDay('2026-03-29', 8, 0, 18, 0);
    expectWellFormed('2026-03-29', slots);
    expect(slots).toHaveLength(17);
    expect(slots[0]?.start.toISOString()).toBe('2026-03-29T06:00:00.000Z'); // 08:00 CEST
    expect(slots[16]?.end.toISOString()).toBe('2026-03-29T16:00:00.000Z'); // 18:00 CEST
  });

  it('gives 17 windows on the fall-back day 2026-10-25 (08:00-18:00)', () => {
    const slots = slotStartsForDay('2026-10-25', 8, 0, 18, 0);
    expectWellFormed('2026-10-25', slots);
    expect(slots).toHaveLength(17);
    expect(slots[0]?.start.toISOString()).toBe('2026-10-25T07:00:00.000Z'); // 08:00 CET
    expect(slots[16]?.end.toISOString()).toBe('2026-10-25T17:00:00.000Z'); // 18:00 CET
  });

  it('skips missing starts and windows crossing the change on 2026-03-29 (00:00-06:00)', () => {
    const slots = slotStartsForDay('2026-03-29', 0, 0, 6, 0);
    expectWellFormed('2026-03-29', slots);
    // 00:00..01:30 would end 1 wall hour late, 02:00/02:30 do not exist.
    expect(isoStarts(slots)).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-29T01:30:00.000Z',
      '2026-03-29T02:00:00.000Z', // 04:00 CEST -> 06:00
    ]);
  });

  it('keeps one window per wall start on 2026-10-25 (00:00-06:00)', () => {
    const slots = slotStartsForDay('2026-10-25', 0, 0, 6, 0);
    expectWellFormed('2026-10-25', slots);
    // 01:00 and 01:30 would end 1 wall hour early; for 02:00/02:30 only the
    // second (CET) occurrence gives a 2:00 wall window.
    expect(isoStarts(slots)).toEqual([
      '2026-10-24T22:00:00.000Z', // 00:00 CEST -> 02:00 CEST (first)
      '2026-10-24T22:30:00.000Z', // 00:30 CEST -> 02:30 CEST (first)
      '2026-10-25T01:00:00.000Z', // 02:00 CET -> 04:00 CET
      '2026-10-25T01:30:00.000Z',
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:30:00.000Z',
      '2026-10-25T03:00:00.000Z', // 04:00 CET -> 06:00
    ]);
  });

  it('aligns starts on :00/:30 after an off-grid opening', () => {
    const slots = slotStartsForDay('2026-06-16', 8, 15, 12, 0);
    expectWellFormed('2026-06-16', slots);
    expect(slots.map((s) => parisMinutesOfDay(s.start))).toEqual([510, 540, 570, 600]); // 08:30..10:00
  });

  it('handles narrow, empty and end-of-day ranges', () => {
    expect(slotStartsForDay('2026-06-16', 8, 0, 10, 0)).toHaveLength(1);
    expect(slotStartsForDay('2026-06-16', 8, 0, 9, 59)).toHaveLength(0);
    expect(slotStartsForDay('2026-06-16', 8, 0, 8, 0)).toEqual([]);
    const late = slotStartsForDay('2026-06-16', 22, 0, 24, 0);
    expect(late).toHaveLength(1);
    expect(late[0]?.end.toISOString()).toBe('2026-06-16T22:00:00.000Z'); // Paris midnight
  });

  it('rejects invalid arguments', () => {
    expect(() => slotStartsForDay('2026-06-16', 18, 0, 8, 0)).toThrow(RangeError);
    expect(() => slotStartsForDay('2026-06-16', 8, 60, 18, 0)).toThrow(RangeError);
    expect(() => slotStartsForDay('2026-06-16', 8, 0, 24, 30)).toThrow(RangeError);
    expect(() => slotStartsForDay('2026-06-31', 8, 0, 18, 0)).toThrow(RangeError);
  });
});

describe('isInSearchBlackout (01:00-04:00 Paris)', () => {
  it('on an ordinary day', () => {
    expect(isInSearchBlackout(parisTime('2026-06-16', 0, 59))).toEqual({ blackout: false });
    const reopens = '2026-06-16T02:00:00.000Z'; // 04:00 CEST
    const at1 = isInSearchBlackout(parisTime('2026-06-16', 1, 0));
    expect(at1.blackout).toBe(true);
    expect(at1.reopensAt?.toISOString()).toBe(reopens);
    const at359 = isInSearchBlackout(parisTime('2026-06-16', 3, 59));
    expect(at359.blackout).toBe(true);
    expect(at359.reopensAt?.toISOString()).toBe(reopens);
    expect(isInSearchBlackout(parisTime('2026-06-16', 4, 0))).toEqual({ blackout: false });
  });

  it('on the spring-forward day 2026-03-29', () => {
    const reopens = '2026-03-29T02:00:00.000Z'; // 04:00 CEST
    expect(isInSearchBlackout(new Date('2026-03-28T23:59:00Z'))).toEqual({ blackout: false }); // 00:59 CET
    for (const iso of [
      '2026-03-29T00:00:00Z', // 01:00 CET
      '2026-03-29T00:59:59Z', // 01:59:59 CET
      '2026-03-29T01:00:00Z', // 03:00 CEST
      '2026-03-29T01:59:00Z', // 03:59 CEST
    ]) {
      const r = isInSearchBlackout(new Date(iso));
      expect(r.blackout).toBe(true);
      expect(r.reopensAt?.toISOString()).toBe(reopens);
    }
    expect(isInSearchBlackout(new Date('2026-03-29T02:00:00Z'))).toEqual({ blackout: false }); // 04:00 CEST
  });

  it('on the fall-back day 2026-10-25 (lasts 4 real hours)', () => {
    const reopens = '2026-10-25T03:00:00.000Z'; // 04:00 CET
    expect(isInSearchBlackout(new Date('2026-10-24T22:59:00Z'))).toEqual({ blackout: false }); // 00:59 CEST
    for (const iso of [
      '2026-10-24T23:00:00Z', // 01:00 CEST
      '2026-10-25T00:30:00Z', // first 02:30 (CEST)
      '2026-10-25T01:30:00Z', // second 02:30 (CET)
      '2026-10-25T02:59:00Z', // 03:59 CET
    ]) {
      const r = isInSearchBlackout(new Date(iso));
      expect(r.blackout).toBe(true);
      expect(r.reopensAt?.toISOString()).toBe(reopens);
    }
    expect(isInSearchBlackout(new Date('2026-10-25T03:00:00Z'))).toEqual({ blackout: false }); // 04:00 CET
  });
});
