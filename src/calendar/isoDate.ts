// Pure calendar-date arithmetic on 'YYYY-MM-DD' strings. No time zone is
// involved: a calendar date is a label, so UTC Date maths is exact here and
// keeps day-stepping loops cheap. Internal helper, not re-exported by index.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export interface YMD {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

/** Strictly parses 'YYYY-MM-DD'; rejects impossible dates such as 2026-02-30. */
export function parseIsoDate(isoDate: string): YMD {
  const m = typeof isoDate === 'string' ? ISO_DATE.exec(isoDate) : null;
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    const d = utcDate(year, month, day);
    if (d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day) {
      return { year, month, day };
    }
  }
  throw new RangeError(`Invalid ISO calendar date: ${String(isoDate)}`);
}

export function formatIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function addCalendarDays(isoDate: string, days: number): string {
  const { year, month, day } = parseIsoDate(isoDate);
  const d = new Date(utcDate(year, month, day).getTime() + days * DAY_MS);
  return formatIsoDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export function isoWeekday(isoDate: string): number {
  const { year, month, day } = parseIsoDate(isoDate);
  const js = utcDate(year, month, day).getUTCDay(); // 0 = Sunday
  return js === 0 ? 7 : js;
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// setUTCFullYear rather than Date.UTC: Date.UTC maps years 0..99 to 19xx.
function utcDate(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d;
}
