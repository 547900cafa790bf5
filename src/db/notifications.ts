import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '../log.js';

/**
 * One LISTEN connection per process for cache invalidation: triggers NOTIFY a channel when rows
 * that processes cache change (certificates, operators, prestations). Emits (channel, payload).
 * While the connection is down, `live` is false and caches must not be trusted: it reconnects
 * every second and emits 'reset' when it is back (anything may have changed meanwhile).
 */
export class NotificationHub extends EventEmitter {
  private client?: pg.Client;
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly channels: string[],
    private readonly log: Logger,
  ) {
    super();
    // Every cache of the process listens ('reset' and its channel): more than Node's default 10.
    this.setMaxListeners(100);
  }

  get live(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'esav-notifications' });
    client.on('notification', (msg) => this.emit(msg.channel, msg.payload ?? ''));
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'notification listener lost; caches bypassed until it is back');
      this.lost();
    });
    client.on('end', () => this.lost());
    await client.connect();
    for (const ch of this.channels) await client.query(`LISTEN ${ch}`);
    this.client = client;
    this.emit('reset');
  }

  private lost(): void {
    if (!this.client) return;
    this.client = undefined;
    this.emit('reset');
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    setTimeout(() => {
      this.start().catch(() => this.retry());
    }, 1000).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
