// Business-time module: Paris time, French public holidays, working days,
// support hours and technician appointment slots.
export { PARIS, parisDate, parisMidnight, parisTime, nextParisMidnight, parisMinutesOfDay } from './paris.js';
export { easterSunday, frenchPublicHolidays, isFrenchPublicHoliday } from './holidays.js';
export type { PublicHoliday } from './holidays.js';
export {
  isWorkingDay,
  addWorkingDays,
  workingDaysBetween,
  subtractWorkingDaysFromInstant,
  isSupportOpen,
  nextSupportOpening,
} from './workingDays.js';
export { slotStartsForDay, isInSearchBlackout } from './slots.js';
export type { Slot } from './slots.js';
