import net, { type Server as NetServer, type Socket } from 'node:net';

/**
 * How `esav serve` shares the operators' port between its processes (docs/scaling.md).
 *
 * The first process accepts every TCP connection (before TLS) and hands each one in turn to a
 * process of the gateway, itself included: the others get it over node:cluster's IPC channel, as
 * node:cluster's own round robin does, but without a supervising process that serves nothing
 * (~60 MB resident for a process that only forwards connections). Each process then does the TLS
 * handshake and serves the connection to its end.
 */

/** The IPC message carrying an accepted connection (the socket travels as the message's handle). */
export const CONNECTION_MESSAGE = 'esav:connection';
/** A process tells the first one it can take connections. */
export const READY_MESSAGE = 'esav:ready';

/** Where connections can go: this process, or another one by IPC. */
export interface HandoffTarget {
  readonly id: number;
  /** Takes the connection; calls back with an error when it could not be handed over (then it is still ours). */
  take(socket: Socket, done: (err: Error | null) => void): void;
}

/** Accepts on the port and hands connections out in turn; held back until a target is ready. */
export class ConnectionDispatcher {
  private readonly server: NetServer;
  private readonly targets: HandoffTarget[] = [];
  private readonly waiting: Socket[] = [];
  private next = 0;

  /** onError: a connection that could not be handed over ('handoff'), or an accept error once listening, e.g. EMFILE under a storm ('accept'). */
  constructor(private readonly onError: (err: Error, during: 'handoff' | 'accept') => void) {
    // Paused: no byte is read before the socket reaches the process that will serve it.
    this.server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => this.dispatch(socket));
  }

  /** Binds the port (0: any free port); resolves with the port bound. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        // From now on an error must be logged, not kill the process.
        this.server.on('error', (err) => this.onError(err, 'accept'));
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  add(target: HandoffTarget): void {
    if (this.targets.some((t) => t.id === target.id)) return;
    this.targets.push(target);
    for (const s of this.waiting.splice(0)) this.dispatch(s);
  }

  remove(id: number): void {
    const i = this.targets.findIndex((t) => t.id === id);
    if (i >= 0) this.targets.splice(i, 1);
  }

  /** Stops accepting at once; connections already handed over are their process's to close. */
  close(): void {
    for (const s of this.waiting.splice(0)) s.destroy();
    this.targets.length = 0;
    this.server.close();
  }

  private dispatch(socket: Socket, tried = 0): void {
    if (this.targets.length === 0 || tried >= this.targets.length) {
      if (this.targets.length === 0) this.waiting.push(socket);
      else socket.destroy();
      return;
    }
    const target = this.targets[this.next++ % this.targets.length]!;
    target.take(socket, (err) => {
      if (!err) return;
      // The process went away meanwhile: the next one takes it.
      this.onError(err, 'handoff');
      if (!socket.destroyed) this.dispatch(socket, tried + 1);
    });
  }
}

/** An http or https server (what HandedConnections feeds). */
type HttpServer = NetServer & { closeAllConnections(): void };

/**
 * The receiving side: an https server that does not listen itself, fed with handed-over
 * connections. It keeps node's per-connection limits (handshake, headers, request and idle
 * timeouts: node checks them once the server has emitted 'listening') and enforces the
 * per-process connection cap that `server.maxConnections` enforces for a listening server.
 */
export class HandedConnections {
  private readonly open = new Set<Socket>();
  private closing = false;
  /** Set by close() while it waits for the last connection. */
  private drained: (() => void) | undefined;

  constructor(private readonly server: HttpServer, private readonly maxConnections: number) {
    // Starts node's connection checks (headersTimeout, requestTimeout) as listen() would.
    server.emit('listening');
  }

  get size(): number {
    return this.open.size;
  }

  accept(socket: Socket): void {
    if (this.closing || this.open.size >= this.maxConnections) {
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      if (this.open.size === 0) this.drained?.();
    });
    this.server.emit('connection', socket);
    // Accepted paused (pauseOnConnect) so that no byte was read before the hand-over: an http
    // server would wait for data forever; a TLS one has taken the handle and reads anyway.
    socket.resume();
  }

  /** Takes no more; idle connections now, busy ones once answered, the rest after graceMs. */
  close(graceMs = 5000): Promise<void> {
    this.closing = true;
    // No listening handle: close() only stops node's connection checks and closes idle ones.
    this.server.close(() => undefined);
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.server.closeAllConnections(), graceMs);
      force.unref();
      this.drained = () => {
        clearTimeout(force);
        resolve();
      };
    });
  }
}
