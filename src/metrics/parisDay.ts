import { nextParisMidnight, parisDate, parisMidnight } from '../calendar/paris.js';

/**
 * The Paris calendar day of an instant, for per-request counting: the current day's bounds are
 * kept, so a call is two comparisons; luxon runs only when the instant leaves them (once a day,
 * or when a pinned test clock jumps).
 */
export class ParisDay {
  private start = 0;
  private end = -1;
  private day = '';

  of(ms: number): string {
    if (ms >= this.start && ms < this.end) return this.day;
    const at = new Date(ms);
    this.day = parisDate(at);
    this.start = parisMidnight(this.day).getTime();
    this.end = nextParisMidnight(at).getTime();
    return this.day;
  }
}
