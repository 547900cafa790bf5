import { join } from 'node:path';

/** Mail settings (docs/notices.md), validated at start with the rest of the config. */
export interface MailSettings {
  /** smtp://user:pass@host:587 or smtps://host:465; unset: notices are written as .eml files. */
  smtpUrl: string | undefined;
  /** Where the .eml files go without SMTP: ESAV_DATA_DIR/outbox. */
  outboxDir: string;
  /** From: of every notice. */
  from: string;
  /** The provider's support desk: new e-soutien tickets and complements, Reply-To of e-soutien mail. */
  supportEmail: string | undefined;
  /** Attempts before a notice is given up (status failed, kept and listed). */
  maxAttempts: number;
  /** First retry delay; doubled at each attempt up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often senders look for due notices besides being woken by NOTIFY esav_outbox. */
  pollMs: number;
}

/** An address as the outbox accepts it (same rule as the operator_contacts check). */
export const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${raw} is invalid: expected an integer between ${min} and ${max}`);
  return n;
}

export function mailSettings(env: NodeJS.ProcessEnv, dataDir: string, serverName: string): MailSettings {
  const smtpUrl = env.ESAV_SMTP_URL || undefined;
  if (smtpUrl !== undefined) {
    let ok = false;
    try {
      const u = new URL(smtpUrl);
      ok = (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`ESAV_SMTP_URL=${smtpUrl} is invalid: expected smtp://[user:password@]host[:port] or smtps://...`);
  }
  const supportEmail = env.ESAV_SUPPORT_EMAIL || undefined;
  if (supportEmail !== undefined && !EMAIL.test(supportEmail)) throw new Error(`ESAV_SUPPORT_EMAIL=${supportEmail} is invalid: expected an e-mail address`);
  const from = env.ESAV_MAIL_FROM || `e-SAV <esav@${serverName}>`;
  const retryBaseMs = int(env, 'ESAV_MAIL_RETRY_BASE_MS', 30_000, 10, 3_600_000);
  return {
    smtpUrl,
    outboxDir: join(dataDir, 'outbox'),
    from,
    supportEmail,
    maxAttempts: int(env, 'ESAV_MAIL_MAX_ATTEMPTS', 8, 1, 100),
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, int(env, 'ESAV_MAIL_RETRY_MAX_MS', 3_600_000, 10, 86_400_000)),
    pollMs: int(env, 'ESAV_MAIL_POLL_MS', 5_000, 10, 600_000),
  };
}
