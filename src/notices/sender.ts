// Sends the outbox: SMTP with nodemailer when ESAV_SMTP_URL is set, else RFC 822 .eml files under
// ESAV_DATA_DIR/outbox (nodemailer's stream transport builds the same message). Every gateway
// process runs a sender; a notice is taken by one of them (FOR UPDATE SKIP LOCKED) with a lease,
// so a process dying mid-send leaves it to be taken again once the lease is over.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Pool } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Logger } from '../log.js';
import type { MailSettings } from './settings.js';
import { OUTBOX_COLUMNS, type OutboxRow } from './outbox.js';

/** A notice taken for sending is not taken again before this, unless it is done with. */
const LEASE_MS = 2 * 60_000;
/** Notices taken per query. */
const BATCH = 20;

export interface Delivery {
  /** Sends one notice; returns where it went. Throws with `permanent: true` for a rejection that retrying cannot fix. */
  deliver(row: OutboxRow): Promise<string>;
  close(): void;
}

/** Stable per notice, so a resend after a lost answer can be recognised downstream. */
function messageId(row: OutboxRow, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'esav.invalid';
  return `<outbox-${row.id}.${row.createdAt.getTime()}@${domain}>`;
}

function mailOf(row: OutboxRow, from: string) {
  return {
    from,
    to: row.to,
    subject: row.subject,
    text: row.text,
    replyTo: row.replyTo ?? undefined,
    messageId: messageId(row, from),
    date: row.createdAt,
    headers: { 'X-Esav-Notice': row.kind },
  };
}

// nodemailer is loaded on the first notice: every esav command would otherwise pay for it.
const loadNodemailer = async () => (await import('nodemailer')).default;

export class SmtpDelivery implements Delivery {
  private transport?: Promise<Transporter>;

  constructor(private readonly url: string, private readonly from: string) {}

  async deliver(row: OutboxRow): Promise<string> {
    // A few reused connections (one per message costs a handshake each); bounded waits, all well inside the lease.
    this.transport ??= loadNodemailer().then((nm) =>
      nm.createTransport({ pool: true, maxConnections: 2, url: this.url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 }),
    );
    const info = await (await this.transport).sendMail(mailOf(row, this.from));
    const rejected: string[] = (info.rejected ?? []).map(String);
    return `smtp ${info.response ?? ''}${rejected.length ? ` (rejected: ${rejected.join(', ')})` : ''}`.trim();
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }
}

export class EmlDelivery implements Delivery {
  private transport?: Promise<Transporter>;

  constructor(private readonly dir: string, private readonly from: string) {}

  async deliver(row: OutboxRow): Promise<string> {
    // The stream transport builds the exact message SMTP would carry (CRLF), into a buffer.
    this.transport ??= loadNodemailer().then((nm) => nm.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }));
    const info = await (await this.transport).sendMail(mailOf(row, this.from));
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${String(row.id).padStart(8, '0')}-${row.kind}.eml`);
    // Written whole, then renamed: a reader never sees half a message.
    writeFileSync(`${file}.tmp`, info.message as Buffer);
    renameSync(`${file}.tmp`, file);
    return `file ${file}`;
  }

  close(): void {
    void this.transport?.then((t) => t.close());
  }
}

export function createDelivery(s: MailSettings): Delivery {
  return s.smtpUrl ? new SmtpDelivery(s.smtpUrl, s.from) : new EmlDelivery(s.outboxDir, s.from);
}

/** Delay before attempt n+1 after n failed ones: base, 2 base, 4 base... capped. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

export interface SendOutcome {
  sent: number;
  retried: number;
  failed: number;
}

export class OutboxSender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<SendOutcome>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly delivery: Delivery,
    private readonly settings: Pick<MailSettings, 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'pollMs'>,
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {}

  /** Takes due notices (skipping those another sender holds) and extends their lease. */
  private async claim(): Promise<OutboxRow[]> {
    const now = this.clock();
    const r = await this.pool.query(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2
        WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING ${OUTBOX_COLUMNS}`,
      [now, new Date(now.getTime() + LEASE_MS), BATCH],
    );
    return r.rows;
  }

  private async sendOne(row: OutboxRow, out: SendOutcome): Promise<void> {
    try {
      const delivery = await this.delivery.deliver(row);
      await this.pool.query(`UPDATE outbox SET status = 'sent', sent_at = $2, delivery = $3, last_error = NULL WHERE id = $1`, [row.id, this.clock(), delivery]);
      out.sent++;
      this.log.info({ notice: row.id, kind: row.kind, attempts: row.attempts, delivery }, 'notice sent');
    } catch (err) {
      const e = err as Error & { permanent?: boolean; responseCode?: number };
      const message = `${e.message}`.slice(0, 1000);
      const giveUp = e.permanent === true || row.attempts >= this.settings.maxAttempts;
      if (giveUp) {
        await this.pool.query(`UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1`, [row.id, `attempt ${row.attempts}: ${message}`]);
        out.failed++;
        this.log.error({ notice: row.id, kind: row.kind, attempts: row.attempts, permanent: e.permanent === true, err: message }, 'notice failed: given up');
      } else {
        const next = new Date(this.clock().getTime() + backoffMs(row.attempts, this.settings.retryBaseMs, this.settings.retryMaxMs));
        await this.pool.query(`UPDATE outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`, [row.id, next, `attempt ${row.attempts}: ${message}`]);
        out.retried++;
        this.log.warn({ notice: row.id, kind: row.kind, attempts: row.attempts, next, err: message }, 'notice not sent; will retry');
      }
    }
  }

  /** Sends every notice due now; one run at a time per sender (a wake-up during a run runs again). */
  runOnce(): Promise<SendOutcome> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const out: SendOutcome = { sent: 0, retried: 0, failed: 0 };
      try {
        do {
          this.again = false;
          for (;;) {
            const rows = await this.claim();
            for (const row of rows) await this.sendOne(row, out);
            if (rows.length < BATCH || this.stopped) break;
          }
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
      return out;
    })();
    return this.running;
  }

  private kick = (): void => {
    if (this.stopped) return;
    this.runOnce().catch((err: Error) => this.log.warn({ err: err.message }, 'outbox run failed'));
  };

  /** Runs on NOTIFY esav_outbox (a notice was enqueued or released) and every pollMs (retries). */
  start(hub?: NotificationHub): void {
    hub?.on('esav_outbox', this.kick);
    hub?.on('reset', this.kick);
    this.timer = setInterval(this.kick, this.settings.pollMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    this.delivery.close();
  }
}
