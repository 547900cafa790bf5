import { describe, it, expect } from '@jest/globals';
import { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday } from '../../src/calendar/index.js';

describe('easterSunday', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
    [2008, '2008-03-23'],
    [1818, '1818-03-22'], // earliest possible date
    [1943, '1943-04-25'], // latest possible date
    [2285, '2285-03-22'],
  ])('Easter %i is %s', (year, expected) => {
    expect(easterSunday(year)).toBe(expected);
  });

  it('rejects non-Gregorian or non-integer years', () => {
    expect(() => easterSunday(1582)).toThrow(RangeError);
    expect(() => easterSunday(2026.5)).toThrow(RangeError);
  });
});

describe('frenchPublicHolidays', () => {
  it('lists the 11 holidays of 2026, sorted', () => {
    expect(frenchPublicHolidays(2026)).toEqual([
      { date: '2026-01-01', name: "Jour de l'an" },
      { date: '2026-04-06', name: 'Lundi de Pâques' },
      { date: '2026-05-01', name: 'Fête du Travail' },
      { date: '2026-05-08', name: 'Victoire 1945' },
      { date: '2026-05-14', name: 'Ascension' },
      { date: '2026-05-25', name: 'Lundi de Pentecôte' },
      { date: '2026-07-14', name: 'Fête nationale' },
      { date: '2026-08-15', name: 'Assomption' },
      { date: '2026-11-01', name: 'Toussaint' },
      { date: '2026-11-11', name: 'Armistice 1918' },
      { date: '2026-12-25', name: 'Noël' },
    ]);
  });

  it('keeps both entries when two holidays coincide (Ascension = 1 May 2008)', () => {
    const list = frenchPublicHolidays(2008);
    expect(list).toHaveLength(11);
    expect(list.filter((h) => h.date === '2008-05-01').map((h) => h.name)).toEqual(['Fête du Travail', 'Ascension']);
    expect(list.find((h) => h.name === 'Lundi de Pentecôte')?.date).toBe('2008-05-12');
  });

  it('is sorted when Ascension falls before 1 May', () => {
    // Easter 2285-03-22 -> Ascension 2285-04-30, before 1 May.
    const dates = frenchPublicHolidays(2285).map((h) => h.date);
    expect(dates).toEqual([...dates].sort());
    expect(dates[2]).toBe('2285-04-30');
  });
});

describe('isFrenchPublicHoliday', () => {
  it('recognises holidays', () => {
    expect(isFrenchPublicHoliday('2026-05-14')).toBe(true);
    expect(isFrenchPublicHoliday('2026-07-14')).toBe(true);
    expect(isFrenchPublicHoliday('2027-01-01')).toBe(true);
    expect(isFrenchPublicHoliday('2027-03-29')).toBe(true); // Easter Monday 2027
  });

  it('ignores ordinary days and Alsace-Moselle-only days', () => {
    expect(isFrenchPublicHoliday('2026-05-15')).toBe(false);
    expect(isFrenchPublicHoliday('2026-04-05')).toBe(false); // Easter Sunday itself is not listed
    expect(isFrenchPublicHoliday('2026-04-03')).toBe(false); // Good Friday (Alsace-Moselle only)
    expect(isFrenchPublicHoliday('2026-12-26')).toBe(false); // St Stephen (Alsace-Moselle only)
  });

  it('rejects invalid dates', () => {
    expect(() => isFrenchPublicHoliday('2026-13-01')).toThrow(RangeError);
  });
});
