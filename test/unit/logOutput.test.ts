import { describe, expect, it } from '@jest/globals';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, openSync, closeSync, readSync, rmSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/cli.js';

/** A child running `script` (ESM, from the project root) with its stdout (and stdin) as given. */
function child(script: string, stdout: 'pipe' | number | Socket = 'pipe', stdin: 'ignore' | Socket = 'ignore'): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, stdio: [stdin, stdout, 'pipe'] });
}

/** The child's stderr lines, as they come. */
function stderrLines(c: ChildProcess, onLine: (line: string) => void): void {
  let rest = '';
  c.stderr!.setEncoding('utf8').on('data', (d: string) => {
    rest += d;
    let i;
    while ((i = rest.indexOf('\n')) !== -1) {
      onLine(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
  });
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on('exit', (code) => r(code)));

/**
 * The child writes `blocks` blocks of whole lines {"i":n,...} through NonBlockingOutput on its
 * stdout, which the test does not read at first; then says on stderr that its event loop still
 * runs and how many bytes wait; then exits once nothing waits.
 */
const WRITER = (blocks: number, maxPending: number) => `
  import { NonBlockingOutput } from './dist/src/logOutput.js';
  const out = NonBlockingOutput.forFd(1, ${maxPending} || undefined);
  for (let i = 0; i < ${blocks}; i++) {
    let s = '';
    for (let j = 0; j < 10; j++) s += JSON.stringify({ i: i * 10 + j, pad: 'x'.repeat(180) }) + '\\n';
    out.write(Buffer.from(s));
  }
  setTimeout(() => {
    process.stderr.write('alive ' + out.pendingSize + '\\n');
    const t = setInterval(() => { if (out.pendingSize === 0) { clearInterval(t); setTimeout(() => process.exit(0), 50); } }, 5);
  }, 20);
`;

/**
 * Runs WRITER with its stdout unread until it says it is alive, then read: its exit code, the
 * bytes it said were waiting then, its pid and the JSON lines it wrote.
 */
async function pausedWriter(blocks: number, maxPending: number) {
  const c = child(WRITER(blocks, maxPending));
  c.stdout!.pause();
  const chunks: Buffer[] = [];
  let pending = -1;
  stderrLines(c, (l) => {
    if (l.startsWith('alive ')) {
      pending = Number(l.slice(6));
      c.stdout!.on('data', (d: Buffer) => chunks.push(d));
      c.stdout!.resume();
    }
  });
  const code = await exited(c);
  const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { code, pending, pid: c.pid, lines };
}

/** A child writing 6,000 access lines through the gateway's own stdout logger, then exiting. */
const ACCESS_WRITER = (tag: string) => `
  import { createAccessLogger } from './dist/src/log.js';
  const log = createAccessLogger('info');
  for (let i = 0; i < 6000; i++) log.soapCall({ requestId: '${tag}-' + i, siren: '380129866', fingerprint: 'f'.repeat(64), service: 'signalisation', version: 'v1', operation: 'deposerSignalisation', outcome: 'ok', status: 200, ms: i / 3 });
  process.exit(0);`;

/** Every line of the two ACCESS_WRITERs 'a' and 'b' parses, and each one's lines are all there, in order. */
function expectWholeLines(bytes: Buffer): void {
  const lines = bytes.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).requestId as string);
  for (const tag of ['a', 'b']) {
    const mine = lines.filter((id) => id.startsWith(`${tag}-`)).map((id) => Number(id.slice(2)));
    expect(mine).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  }
}

/** A slow reader of its stdin: 7,000 bytes every 2 ms or so until end of file, then all of it on its stdout. */
const SLOW_READER = `
  import { readSync } from 'node:fs';
  const buf = Buffer.alloc(65536);
  const parts = [];
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n;
    try { n = readSync(0, buf, 0, 7000, null); }
    catch (e) { if (e.code === 'EAGAIN') { Atomics.wait(nap, 0, 0, 2); continue; } throw e; }
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
    Atomics.wait(nap, 0, 0, 2);
  }
  process.stdout.write(Buffer.concat(parts));`;

describe('NonBlockingOutput (the log lines written without waiting for the reader)', () => {
  it('keeps the event loop running while the reader does not read, then delivers every line in order', async () => {
    const { code, pending, lines: parsed } = await pausedWriter(2000, 0);
    expect(code).toBe(0);
    // ~4 MB against a socket buffer of a few hundred kB: the child had to queue, and its timer ran.
    expect(pending).toBeGreaterThan(1_000_000);
    const lines = parsed.map((l) => l.i as number);
    expect(lines).toHaveLength(20_000);
    expect(lines.every((v, k) => v === k)).toBe(true);
  }, 30_000);

  it('drops whole blocks beyond its bound while the reader is stopped, and says how many lines once it reads again', async () => {
    const { code, pending, pid, lines: parsed } = await pausedWriter(2000, 64 * 1024);
    expect(code).toBe(0);
    expect(pending).toBeLessThanOrEqual(64 * 1024);
    const report = parsed.filter((l) => l.msg !== undefined);
    const kept = parsed.filter((l) => l.i !== undefined).map((l) => l.i as number);
    expect(report).toEqual([{ level: 40, time: expect.any(Number), pid, droppedLines: 20_000 - kept.length, msg: 'log lines dropped: standard output was not read' }]);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(20_000);
    // What was kept is in order, each line whole.
    expect(kept.every((v, k) => k === 0 || v > kept[k - 1]!)).toBe(true);
  }, 30_000);

  it('never throws when the reader is gone (EPIPE): the process goes on', async () => {
    const c = child(`
      import { NonBlockingOutput } from './dist/src/logOutput.js';
      const out = NonBlockingOutput.forFd(1);
      setTimeout(() => {
        for (let i = 0; i < 100; i++) out.write(Buffer.from('{"i":' + i + '}\\n'));
        out.flushSync();
        process.stderr.write('done\\n');
      }, 300);
    `);
    c.stdout!.destroy();
    let said = '';
    stderrLines(c, (l) => (said += l));
    expect(await exited(c)).toBe(0);
    expect(said).toBe('done');
  }, 30_000);

  it('drops what waits when the reader goes away meanwhile, and counts nothing as still waiting', async () => {
    // WRITER exits only once nothing waits: with a wrong count after EPIPE it would never exit.
    const c = child(WRITER(2000, 0));
    c.stdout!.pause();
    let pending = -1;
    stderrLines(c, (l) => {
      if (l.startsWith('alive ')) {
        pending = Number(l.slice(6));
        c.stdout!.destroy();
      }
    });
    expect(await exited(c)).toBe(0);
    expect(pending).toBeGreaterThan(1_000_000);
  }, 30_000);

  it("keeps the lines of two processes sharing one pipe whole, when the reader lags (blocks of at most PIPE_BUF)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esav-fifo-'));
    try {
      const fifo = join(dir, 'out');
      execFileSync('mkfifo', [fifo]);
      const writeEnd = openSync(fifo, constants.O_RDWR);
      const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const a = child(ACCESS_WRITER('a'), writeEnd);
      const b = child(ACCESS_WRITER('b'), writeEnd);
      closeSync(writeEnd);
      const got: Buffer[] = [];
      const buf = Buffer.alloc(65536);
      let open = 2;
      const done = Promise.all([exited(a), exited(b)]).then((codes) => {
        open = 0;
        return codes;
      });
      // A slow reader: 7,000 bytes every 2 ms or so, so the pipe is full most of the time.
      while (open > 0) {
        await new Promise((r) => setTimeout(r, 2));
        try {
          const n = readSync(readEnd, buf, 0, 7000, null);
          if (n > 0) got.push(Buffer.from(buf.subarray(0, n)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        }
      }
      expect(await done).toEqual([0, 0]);
      for (;;) {
        try {
          const n = readSync(readEnd, buf, 0, buf.length, null);
          if (n <= 0) break;
          got.push(Buffer.from(buf.subarray(0, n)));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw e;
        }
      }
      closeSync(readEnd);
      expectWholeLines(Buffer.concat(got));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps the lines of two processes sharing one Unix stream socket whole, when the reader lags (journald; blocks of 32 KiB)', async () => {
    // A block up to 32 KiB goes into the socket as one buffer of the kernel's: when there is no
    // room for it a non-blocking write takes none of it (EAGAIN), so it waits whole.
    const dir = mkdtempSync(join(tmpdir(), 'esav-sock-'));
    const server = createServer({ pauseOnConnect: true });
    try {
      const path = join(dir, 'out.sock');
      server.listen(path);
      await once(server, 'listening');
      const accepted = once(server, 'connection');
      const writeEnd = connect(path);
      await once(writeEnd, 'connect');
      const [readEnd] = (await accepted) as [Socket];
      const reader = child(SLOW_READER, 'pipe', readEnd);
      const got: Buffer[] = [];
      reader.stdout!.on('data', (d: Buffer) => got.push(d));
      const a = child(ACCESS_WRITER('a'), writeEnd);
      const b = child(ACCESS_WRITER('b'), writeEnd);
      // Only the children hold the socket now: the reader sees its end once both writers exit.
      writeEnd.destroy();
      readEnd.destroy();
      expect(await Promise.all([exited(a), exited(b), exited(reader)])).toEqual([0, 0, 0]);
      expectWholeLines(Buffer.concat(got));
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
