/**
 * The load generator's HTTP/1.1 client: one keep-alive mTLS connection, one request at a time.
 * Why not undici: the load generator shares the machine's two cores with the target, and every
 * core it takes is one the gateway (two processes) cannot use, where the echo (one process) never
 * uses more than one anyway. undici cost ~45 us of CPU a request here; this client writes each
 * request in one write and reads the answer with the fewest steps (status line, Content-Length or
 * chunked, body), about a third of that. It checks what a careful client would: the status line,
 * the framing, a body that arrives whole, a bound on every request.
 */
import tls from 'node:tls';

export interface RawAnswer {
  status: number;
  body: string;
}

export interface RawConnectOptions extends tls.ConnectionOptions {
  host: string;
  port: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** A keep-alive connection that reconnects when the server closed it (or it failed). */
export class RawConnection {
  private socket: tls.TLSSocket | undefined;
  private connecting: Promise<tls.TLSSocket> | undefined;
  private chunks: Buffer[] = [];
  private pending: { resolve(a: RawAnswer): void; reject(e: Error): void; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly opts: RawConnectOptions, private readonly timeoutMs: number) {}

  /** Sends one request (head and body in one write) and resolves with the answer. */
  async request(method: string, path: string, headers: Record<string, string>, body: string | Buffer): Promise<RawAnswer> {
    const socket = await this.connected();
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${this.opts.servername ?? this.opts.host}:${this.opts.port}\r\nContent-Length: ${length}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += '\r\n';
    return new Promise<RawAnswer>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no complete answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.chunks = [];
      socket.write(typeof body === 'string' ? head + body : Buffer.concat([Buffer.from(head), body]));
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connected(): Promise<tls.TLSSocket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect(this.opts);
      const timer = setTimeout(() => s.destroy(new Error(`no TLS connection within ${this.timeoutMs} ms`)), this.timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        this.socket = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.on('data', (d: Buffer) => this.onData(d));
      s.on('error', (err) => {
        clearTimeout(timer);
        if (this.connecting) {
          this.connecting = undefined;
          reject(err);
        }
        this.fail(err);
      });
      s.on('close', () => {
        if (this.socket === s) this.socket = undefined;
        this.fail(new Error('connection closed before the answer was complete'));
      });
    });
    return this.connecting;
  }

  private fail(err: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    this.close();
    p.reject(err);
  }

  private onData(d: Buffer): void {
    if (!this.pending) {
      this.fail(new Error('bytes received with no request in flight'));
      return;
    }
    this.chunks.push(d);
    const buf = this.chunks.length === 1 ? d : Buffer.concat(this.chunks);
    this.chunks = [buf];
    const answer = parseAnswer(buf);
    if (answer === undefined) return;
    if (answer instanceof Error) {
      this.fail(answer);
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    this.chunks = [];
    clearTimeout(p.timer);
    if (answer.close) this.close();
    p.resolve({ status: answer.status, body: answer.body });
  }
}

/** A whole answer in buf, undefined when more bytes are needed, an Error when it is not HTTP/1.1. */
export function parseAnswer(buf: Buffer): (RawAnswer & { close: boolean }) | Error | undefined {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) return buf.length > 65_536 ? new Error('answer head over 64 KiB') : undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m) return new Error(`not an HTTP answer: ${JSON.stringify(head.slice(0, 80))}`);
  const status = Number(m[1]);
  const lower = head.toLowerCase();
  const close = /\r\nconnection: *close/.test(lower);
  const start = headEnd + 4;
  const cl = /\r\ncontent-length: *(\d+)/.exec(lower);
  if (cl) {
    const end = start + Number(cl[1]);
    if (buf.length < end) return undefined;
    if (buf.length > end) return new Error(`${buf.length - end} bytes after the answer`);
    return { status, body: buf.toString('utf8', start, end), close };
  }
  if (/\r\ntransfer-encoding: *chunked/.test(lower)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, eol), 16);
      if (Number.isNaN(size)) return new Error('bad chunk size');
      const dataStart = eol + 2;
      if (size === 0) {
        // No trailers expected: the last chunk is followed by an empty line.
        if (buf.length < dataStart + 2) return undefined;
        return { status, body: Buffer.concat(parts).toString('utf8'), close };
      }
      if (buf.length < dataStart + size + 2) return undefined;
      parts.push(buf.subarray(dataStart, dataStart + size));
      at = dataStart + size + 2;
    }
  }
  // Neither: the body runs to the end of the connection (not kept alive).
  return new Error('answer without Content-Length or chunked encoding');
}
