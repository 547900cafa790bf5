import { performance } from 'node:perf_hooks';

/** Whatever a client measured, as every row reports it. */
export interface WindowFigures {
  /** Successful answers completed in the measured window. */
  ok: number;
  /** Wrong status, failed check or transport error, completed in the measured window. */
  errors: number;
  warmupOk: number;
  warmupErrors: number;
  /** A few distinct error descriptions, for the report. */
  errorSamples: string[];
  reqPerSec: number;
  /** Latency of the successful answers of the window, in ms. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Successful answers per whole second of the window. */
  perSecond: number[];
  stoppedEarly?: string;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** A client stops after this many failures (warm-up included). */
export const MAX_ERRORS = 10_000;

/**
 * The warm-up then measured window of a load client (requests or handshakes): outcomes that
 * finish during the warm-up are counted apart, those after the end not at all. The parent samples
 * CPU on the 'measure-start' and 'measure-end' messages. When the last answers land after the end
 * but before the end timer's turn, the clients are done first: finish() then sends measure-end.
 */
export class MeasureWindow {
  readonly warmEnd: number;
  readonly end: number;
  ok = 0;
  errors = 0;
  warmupOk = 0;
  warmupErrors = 0;
  stoppedEarly: string | undefined;
  private readonly seconds: number;
  private readonly perSecond: number[];
  private readonly latencies: number[] = [];
  private readonly errorSamples = new Set<string>();
  private started = false;
  private ended = false;
  private readonly warmTimer: NodeJS.Timeout;
  private readonly endTimer: NodeJS.Timeout;

  constructor(
    warmupMs: number,
    private readonly durationMs: number,
  ) {
    this.warmEnd = performance.now() + warmupMs;
    this.end = this.warmEnd + durationMs;
    this.seconds = Math.ceil(durationMs / 1000);
    this.perSecond = new Array<number>(this.seconds).fill(0);
    this.warmTimer = setTimeout(() => {
      this.started = true;
      process.send?.({ type: 'measure-start' });
    }, Math.max(0, this.warmEnd - performance.now()));
    this.endTimer = setTimeout(() => this.endWindow(), Math.max(0, this.end - performance.now()));
  }

  /** Why a client should stop now, if it should (time is up, or too many errors). */
  over(now: number): boolean {
    if (now >= this.end) return true;
    if (this.errors + this.warmupErrors >= MAX_ERRORS) {
      this.stoppedEarly ??= `too many errors (${MAX_ERRORS})`;
      return true;
    }
    return false;
  }

  /** Keeps the first few failure reasons, cut to `maxLength`. */
  fail(reason: string, maxLength: number): void {
    if (this.errorSamples.size < 5) this.errorSamples.add(reason.slice(0, maxLength));
  }

  /** Counts one outcome; true when it finished inside the measured window. */
  record(start: number, done: number, good: boolean): boolean {
    if (done < this.warmEnd) {
      if (good) this.warmupOk++;
      else this.warmupErrors++;
      return false;
    }
    if (done > this.end) return false;
    if (good) {
      this.ok++;
      this.latencies.push(done - start);
      this.perSecond[Math.min(this.seconds - 1, Math.floor((done - this.warmEnd) / 1000))]!++;
    } else this.errors++;
    return true;
  }

  private endWindow(): void {
    if (this.ended || !this.started) return;
    this.ended = true;
    process.send?.({ type: 'measure-end' });
  }

  /** Stops the timers (sends measure-end if due) and returns the figures. */
  finish(): WindowFigures {
    clearTimeout(this.warmTimer);
    clearTimeout(this.endTimer);
    this.endWindow();
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      ok: this.ok,
      errors: this.errors,
      warmupOk: this.warmupOk,
      warmupErrors: this.warmupErrors,
      errorSamples: [...this.errorSamples],
      reqPerSec: this.ok / (this.durationMs / 1000),
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      p999: percentile(sorted, 99.9),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: this.latencies.length ? this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length : NaN,
      perSecond: this.perSecond,
      stoppedEarly: this.stoppedEarly,
    };
  }
}
