// French metropolitan public holidays (jours fériés, Code du travail L3133-1).
// Alsace-Moselle's extra days (Good Friday, 26 December) are deliberately NOT
// included: this module covers the national calendar only.
// Whit Monday is listed: it stays a legal holiday even where employers use it
// as the "journée de solidarité".
import { addCalendarDays, formatIsoDate, parseIsoDate } from './isoDate.js';

export interface PublicHoliday {
  date: string;
  name: string;
}

function assertYear(year: number): void {
  // Gregorian computus is only meaningful from 1583; 4-digit ISO dates cap at 9999.
  if (!Number.isInteger(year) || year < 1583 || year > 9999) {
    throw new RangeError(`Year must be an integer in 1583..9999, got ${String(year)}`);
  }
}

/** Easter Sunday (Gregorian), anonymous / Meeus-Jones-Butcher algorithm. */
export function easterSunday(year: number): string {
  assertYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatIsoDate(year, month, day);
}

/**
 * The 11 holidays of the year, sorted by date. Always 11 entries: when two
 * coincide (e.g. Ascension on 1 May in 2008) both are kept, same date.
 */
export function frenchPublicHolidays(year: number): PublicHoliday[] {
  const easter = easterSunday(year);
  const fixed = (month: number, day: number, name: string): PublicHoliday => ({
    date: formatIsoDate(year, month, day),
    name,
  });
  const list: PublicHoliday[] = [
    fixed(1, 1, "Jour de l'an"),
    { date: addCalendarDays(easter, 1), name: 'Lundi de Pâques' },
    fixed(5, 1, 'Fête du Travail'),
    fixed(5, 8, 'Victoire 1945'),
    { date: addCalendarDays(easter, 39), name: 'Ascension' },
    { date: addCalendarDays(easter, 50), name: 'Lundi de Pentecôte' },
    fixed(7, 14, 'Fête nationale'),
    fixed(8, 15, 'Assomption'),
    fixed(11, 1, 'Toussaint'),
    fixed(11, 11, 'Armistice 1918'),
    fixed(12, 25, 'Noël'),
  ];
  // ISO strings sort chronologically; sort is stable so ties keep legal order.
  return list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

// Year -> set of holiday dates. Bounded by the 1583..9999 year range.
const cache = new Map<number, ReadonlySet<string>>();

export function isFrenchPublicHoliday(isoDate: string): boolean {
  const { year } = parseIsoDate(isoDate);
  let set = cache.get(year);
  if (!set) {
    set = new Set(frenchPublicHolidays(year).map((h) => h.date));
    cache.set(year, set);
  }
  return set.has(isoDate);
}
