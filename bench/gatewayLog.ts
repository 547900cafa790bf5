/**
 * The gateway's stdout as the bench reads it during a run: how many lines (log lines per call)
 * and the first warning and error lines (reported under the figures).
 */
export class GatewayLog {
  lines = 0;
  problems: string[] = [];
  /** The bytes after the last newline read: the start of a line still arriving. */
  private rest = Buffer.alloc(0);
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (d: Buffer) => this.take(d));
  }

  /**
   * Counts lines in the bytes (Buffer.indexOf is memchr) and decodes only warning and error
   * lines: the gateway writes one line per call, ~15,000 a second, which this process read on
   * the cores the gateway is measured on (the echo writes none). Decoding, slicing and matching
   * each line here took ~5% of the gateway's state queries a second.
   */
  private take(d: Buffer): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, d]) : d;
    const end = buf.lastIndexOf(NEWLINE) + 1; // whole lines: buf[0, end)
    for (let nl = buf.indexOf(NEWLINE); nl !== -1 && nl < end; nl = buf.indexOf(NEWLINE, nl + 1)) this.lines++;
    // A pino line starts {"level":NN: 40 and over are warnings and errors.
    for (let k = buf.indexOf(LEVEL_KEY); k !== -1 && k < end && this.problems.length < 20; ) {
      const lineStart = buf.lastIndexOf(NEWLINE, k) + 1;
      const lineEnd = buf.indexOf(NEWLINE, k);
      let level = 0;
      for (let i = k + LEVEL_KEY.length; i < lineEnd && buf[i]! >= 0x30 && buf[i]! <= 0x39; i++) level = level * 10 + buf[i]! - 0x30;
      if (level >= 40) this.problems.push(buf.toString('utf8', lineStart, Math.min(lineEnd, lineStart + 500)));
      k = buf.indexOf(LEVEL_KEY, lineEnd + 1);
    }
    this.rest = Buffer.from(buf.subarray(end));
  }
}
const NEWLINE = 0x0a;
const LEVEL_KEY = Buffer.from('"level":');
