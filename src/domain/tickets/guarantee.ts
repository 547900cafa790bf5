import { isWorkingDay, parisDate, parisTime, parisMinutesOfDay } from '../../calendar/index.js';

/**
 * Service guarantees (garanties de service): the GTR (garantie de temps de rétablissement) level
 * and its deadline from the deposit. GTR4H counts 4 calendar hours; GTR10HO counts 10 working
 * hours (Monday-Friday except public holidays, 08:00-18:00 Paris); STANDARD has no deadline here
 * (it is set by each offer's contract).
 */
export interface Guarantee {
  type: 'GTR';
  level: string;
  deadline?: Date;
}

const OPEN = 8 * 60;
const CLOSE = 18 * 60;

export function addWorkingHours(from: Date, hours: number): Date {
  let remaining = hours * 60;
  let day = parisDate(from);
  let minute = parisMinutesOfDay(from);
  for (let guard = 0; guard < 400; guard++) {
    if (isWorkingDay(day)) {
      const start = Math.max(minute, OPEN);
      if (start < CLOSE) {
        const available = CLOSE - start;
        if (remaining <= available) {
          const m = start + remaining;
          return parisTime(day, Math.floor(m / 60), m % 60);
        }
        remaining -= available;
      }
    }
    day = nextDay(day);
    minute = 0;
  }
  throw new RangeError('working-hours deadline out of range');
}

function nextDay(iso: string): string {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function guaranteeFor(level: string | null | undefined, depositedAt: Date): Guarantee | undefined {
  if (!level) return undefined;
  if (level === 'GTR4H') return { type: 'GTR', level, deadline: new Date(depositedAt.getTime() + 4 * 3600_000) };
  if (level === 'GTR10HO') return { type: 'GTR', level, deadline: addWorkingHours(depositedAt, 10) };
  return { type: 'GTR', level };
}
