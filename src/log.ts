import pino from 'pino';

export type Logger = pino.Logger;

// Buffered, asynchronous stdout, one per process: lines go out in blocks of 8 KiB, or every
// 500 ms, instead of one write per request (measured: a log line cost ~30 us of the gateway's
// CPU unbuffered, ~10 us buffered; a state query costs ~190 us in all). The price: a crash
// (kill -9) can lose the last half second of log lines; acknowledged data is in PostgreSQL.
let destination: pino.DestinationStream & { flush(): void; flushSync(): void } | undefined;
function stdout() {
  if (!destination) {
    const d = pino.destination({ fd: 1, sync: false, minLength: 8192 });
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
