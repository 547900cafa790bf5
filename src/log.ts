import pino from 'pino';

export type Logger = pino.Logger;

// Buffered, asynchronous stdout, one per process: lines go out in blocks of 8 KiB, or every
// 500 ms, instead of one write per request (measured: a log line cost ~30 us of the gateway's
// CPU unbuffered, ~10 us buffered, when a state query cost ~190 us in all). The price: a crash
// (kill -9) can lose the last half second of log lines; acknowledged data is in PostgreSQL.
//
// The lines are gathered here and handed to sonic-boom a block at a time: sonic-boom's own
// buffering appends each line to one growing string and measures that whole string's UTF-8
// length on every write, which cost ~1.5% of a state query at 8 KiB.
const BLOCK_BYTES = 8192;
class LineBlocks {
  private lines: string[] = [];
  private size = 0;

  constructor(private readonly out: SonicBoomLike) {}

  write(line: string): boolean {
    this.lines.push(line);
    this.size += line.length;
    if (this.size >= BLOCK_BYTES) this.handOver();
    return true;
  }

  private handOver(): void {
    if (this.size === 0) return;
    const block = this.lines.length === 1 ? this.lines[0]! : this.lines.join('');
    this.lines = [];
    this.size = 0;
    this.out.write(block);
  }

  /** Hands the lines gathered over to the writer (pino's logger.flush(cb) passes a callback). */
  flush(cb?: (err?: Error) => void): void {
    this.handOver();
    cb?.();
  }

  flushSync(): void {
    this.handOver();
    this.out.flushSync();
  }
}
interface SonicBoomLike {
  write(s: string): boolean;
  flushSync(): void;
}

let destination: LineBlocks | undefined;
function stdout(): LineBlocks {
  if (!destination) {
    // minLength 0: each block handed over is written at once (or right after the write in flight).
    const d = new LineBlocks(pino.destination({ fd: 1, sync: false, minLength: 0 }));
    setInterval(() => d.flush(), 500).unref();
    process.once('exit', () => {
      try {
        d.flushSync();
      } catch {
        // stdout already closed: nothing more can be written anyway
      }
    });
    destination = d;
  }
  return destination;
}

// One JSON line per event on stdout. Keys and PEM blocks must never reach a log line:
// redact the fields that could carry them, in case a caller passes an object through.
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['key', 'privateKey', 'pem', '*.key', '*.privateKey', '*.pem'], censor: '[redacted]' },
    },
    stdout(),
  );
}

/** What the pipeline needs of a logger for its one line per call. */
export interface AccessLogger {
  info(fields: Record<string, string | number | undefined>, msg: string): void;
}

/**
 * The per-request access line (one per SOAP call), in pino's line format (level, time, pid, the
 * fields, msg) on the same buffered stdout. Its fields are fixed by the pipeline: flat strings
 * and numbers, no key or certificate. Built by hand: pino's generic serialiser and redaction
 * cost ~5% of a state query's CPU, this ~1%.
 */
export function createAccessLogger(level: string): AccessLogger {
  const enabled = (pino.levels.values[level] ?? 30) <= 30;
  const dest = stdout();
  const pid = `,"pid":${process.pid}`;
  // The keys and messages are the pipeline's few constants: quoted once. Values made only of
  // these characters need no JSON escaping (ids, SIRENs, fingerprints, names, codes), which
  // spares a call into JSON.stringify per field.
  const quoted = new Map<string, string>();
  const quote = (s: string) => {
    let q = quoted.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (quoted.size < 1000) quoted.set(s, q);
    }
    return q;
  };
  return {
    info(fields, msg) {
      if (!enabled) return;
      let line = `{"level":30,"time":${Date.now()}${pid}`;
      for (const k in fields) {
        const v = fields[k];
        if (v === undefined) continue;
        line += `,${quote(k)}:${typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : PLAIN.test(v) ? `"${v}"` : JSON.stringify(v)}`;
      }
      dest.write(`${line},"msg":${quote(msg)}}\n`);
    },
  };
}

const PLAIN = /^[A-Za-z0-9_.:@+\/ -]*$/;
