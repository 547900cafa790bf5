import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';

/** Where the log's blocks go: written in order, each whole. */
export interface BlockWriter {
  /** false when the block was dropped (the reader is too far behind). */
  write(block: Buffer): boolean;
  /** Before the process exits: what is still pending, within a bounded time. */
  flushSync(): void;
}

/**
 * Writes the log's blocks to a file descriptor from the event loop's own thread, never waiting
 * for the reader. On a pipe or a socket (a log shipper, journald, the bench) the descriptor is
 * made non-blocking: a block the reader has no room for yet waits in memory and is retried
 * every `retryMs`, behind which the next blocks queue in order. Beyond `maxPendingBytes` (a
 * reader stopped) blocks are dropped and counted, and a warning line says how many once the
 * reader takes lines again: memory stays bounded and no request waits on the log. A file or a
 * terminal is written directly.
 *
 * Why not sonic-boom's asynchronous mode, used before: each block went through libuv's thread
 * pool (a thread woken, then the loop woken back), which cost ~3% of the state queries a second
 * on 2 busy cores (alternating rows against synchronous writes, 2026-11-26); synchronous
 * writes, pino's default, block the gateway when the reader stalls.
 */
export class NonBlockingOutput implements BlockWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private droppedLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private broken = false;

  constructor(
    private readonly fd: number,
    /** A pipe (FIFO): a write of at most PIPE_BUF bytes to it is all or nothing. */
    readonly isPipe = false,
    private readonly maxPendingBytes = 16 * 1024 * 1024,
    private readonly retryMs = 10,
  ) {}

  /** Makes `fd` non-blocking when it is a pipe or a socket (libuv sets O_NONBLOCK on open). */
  static forFd(fd: number, maxPendingBytes?: number): NonBlockingOutput {
    const st = fstatSync(fd);
    if (st.isFIFO() || st.isSocket()) {
      // The handle is kept for the flag only: every write goes through writeSync below. It must
      // never read or close the descriptor, nor keep the process alive.
      const handle = new Socket({ fd, readable: false, writable: true });
      (handle as unknown as { _handle?: { unref?(): void } })._handle?.unref?.();
      kept.push(handle);
    }
    return new NonBlockingOutput(fd, st.isFIFO(), maxPendingBytes);
  }

  write(block: Buffer): boolean {
    if (this.broken) return false;
    let rest = block;
    if (this.pending.length === 0) {
      const n = this.tryWrite(block);
      if (n === block.length) return !this.broken;
      rest = block.subarray(n);
    }
    // Only a block none of which was written is dropped: a part written keeps its rest, or its
    // last line would reach the reader cut.
    if (rest === block && this.pendingBytes + rest.length > this.maxPendingBytes) {
      this.droppedLines += countLines(rest);
      return false;
    }
    this.pending.push(rest);
    this.pendingBytes += rest.length;
    this.schedule();
    return true;
  }

  flushSync(deadlineMs = 2000): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const until = Date.now() + deadlineMs;
    const nap = new Int32Array(new SharedArrayBuffer(4));
    while (this.pending.length > 0 && Date.now() < until) {
      if (!this.drainOnce()) Atomics.wait(nap, 0, 0, 1);
    }
  }

  /** Blocks waiting (tests and metrics). */
  get pendingSize(): number {
    return this.pendingBytes;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.pending.length > 0 && this.drainOnce());
      if (this.pending.length > 0) this.schedule();
      else if (this.droppedLines > 0 && !this.broken) this.reportDropped();
    }, this.retryMs);
    this.timer.unref();
  }

  /** Writes what it can of the first pending block: true when that block is all written. */
  private drainOnce(): boolean {
    const head = this.pending[0]!;
    const n = this.tryWrite(head);
    this.pendingBytes -= n;
    if (n < head.length) {
      this.pending[0] = head.subarray(n);
      return false;
    }
    this.pending.shift();
    return true;
  }

  private reportDropped(): void {
    const line = `{"level":40,"time":${Date.now()},"pid":${process.pid},"droppedLines":${this.droppedLines},"msg":"log lines dropped: standard output was not read"}\n`;
    this.droppedLines = 0;
    this.write(Buffer.from(line));
  }

  /** Bytes of `b` written; all of them, discarded, once the output is broken. */
  private tryWrite(b: Buffer): number {
    if (this.broken) return b.length;
    try {
      return writeSync(this.fd, b);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return 0;
      // The reader is gone (EPIPE) or the descriptor unusable: logging must never fail a request,
      // and what waits is discarded as the drain goes on.
      this.broken = true;
      return b.length;
    }
  }
}

const kept: Socket[] = [];

function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
  return n;
}
