import pino from 'pino';
import { NonBlockingOutput, type BlockWriter } from './logOutput.js';

export type Logger = pino.Logger;

// Buffered stdout, one per process: lines go out in blocks (4 or 32 KiB, below), or every 500 ms,
// instead of one write per request (measured: a log line cost ~30 us of the gateway's CPU
// unbuffered, ~10 us buffered, when a state query cost ~190 us in all). The price: a crash
// (kill -9) can lose the last half second of log lines; acknowledged data is in PostgreSQL.
//
// Each line is encoded into the block's bytes as it is written, and the block handed over as a
// Buffer (lines kept as strings until their block was full were copied by every young-generation
// GC meanwhile, then joined and encoded again). A block holds whole lines. On a pipe it holds at
// most PIPE_BUF (4096) bytes unless one line alone is longer: a write that size to a pipe is
// atomic, so the lines of the gateway's processes, which share their stdout, never tear into one
// another. Elsewhere blocks are 32 KiB. On a Unix stream socket (journald's stdout, a parent's
// pipe in Node) a write that size is one buffer of the kernel's (up to ~36 KiB with 4 KiB pages):
// when there is no room for it a non-blocking write takes none of it, so lines do not tear there
// either (tested; 128 KiB blocks do tear). A file's writes do not interleave. Only a TCP socket as
// stdout could cut a block while its reader lags. Every block wakes the reader, and on 2 busy
// cores 8 KiB blocks did ~3.5% more state queries a second than 4 KiB, and 32 KiB ~3% more
// than 8 (4 alternating pairs each, 2026-11-26); at ~13,000 lines a second
// a 32 KiB block waits ~15 ms (at most 500 ms, the flush below). The blocks are written without
// waiting for the reader (logOutput.ts).
const PIPE_BLOCK_BYTES = 4096;
const BLOCK_BYTES = 32768;
/** A block's buffer: its 4 or 32 KiB and room for the line that passes them (a longer line goes alone). */
const BLOCK_CAPACITY = 49152;
class LineBlocks {
  private buf = Buffer.allocUnsafe(BLOCK_CAPACITY);
  private size = 0;

  constructor(
    private readonly out: BlockWriter,
    private readonly blockBytes: number,
  ) {}

  write(line: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room is checked before encoding.
    if (line.length * 3 > BLOCK_CAPACITY - this.size) {
      this.handOver();
      if (line.length * 3 > BLOCK_CAPACITY) {
        this.out.write(Buffer.from(line, 'utf8'));
        return true;
      }
    }
    const start = this.size;
    this.size += this.buf.write(line, start, 'utf8');
    if (this.size > this.blockBytes && start > 0) {
      // This line passes the block's size: the block goes without it, the line starts the next.
      const full = this.buf;
      this.buf = Buffer.allocUnsafe(BLOCK_CAPACITY);
      this.size = full.copy(this.buf, 0, start, this.size);
      this.out.write(full.subarray(0, start));
    }
    if (this.size >= this.blockBytes) this.handOver();
    return true;
  }

  private handOver(): void {
    if (this.size === 0) return;
    // The writer may keep the Buffer until it is written: the next lines go to a new one.
    const block = this.buf.subarray(0, this.size);
    this.buf = Buffer.allocUnsafe(BLOCK_CAPACITY);
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

let destination: LineBlocks | undefined;
function stdout(): LineBlocks {
  if (!destination) {
    const out = NonBlockingOutput.forFd(1);
    const d = new LineBlocks(out, out.isPipe ? PIPE_BLOCK_BYTES : BLOCK_BYTES);
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

/** The pipeline's line per SOAP call (msg "soap"). */
export interface SoapCallLine {
  requestId: string;
  siren: string | undefined;
  fingerprint: string | undefined;
  service: string;
  version: string;
  /** Unset when the call failed before its operation was known. */
  operation: string | undefined;
  /** "ok", or the fault code answered. */
  outcome: string;
  status: number;
  ms: number;
}

/** What the pipeline needs of a logger for its one line per call. */
export interface AccessLogger {
  /** The line of one call: pino's line format with the call's fields in a fixed order, msg "soap". */
  soapCall(call: SoapCallLine): void;
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
  return {
    // One template (a generic field loop took ~1.5 us a line, this ~1). Values made only of
    // PLAIN characters need no JSON escaping; requestId (a UUID) and fingerprint (SHA-256 in
    // hex) are plain by construction, the others are checked (service and version come from
    // the URL).
    soapCall(c) {
      if (!enabled) return;
      dest.write(
        `{"level":30,"time":${Date.now()}${pid},"requestId":"${c.requestId}"` +
          (c.siren === undefined ? '' : `,"siren":${text(c.siren)}`) +
          (c.fingerprint === undefined ? '' : `,"fingerprint":"${c.fingerprint}"`) +
          `,"service":${text(c.service)},"version":${text(c.version)}` +
          (c.operation === undefined ? '' : `,"operation":${text(c.operation)}`) +
          `,"outcome":${text(c.outcome)},"status":${number(c.status)},"ms":${number(c.ms)},"msg":"soap"}\n`,
      );
    },
  };
}

const PLAIN = /^[A-Za-z0-9_.:@+\/ -]*$/;
const text = (v: string): string => (PLAIN.test(v) ? `"${v}"` : JSON.stringify(v));
const number = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');
