import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { PkiMaterialInfo } from '../transport/tls.js';
import { dueRenewals, renewalDate, sweep } from './store.js';

const HOUR = 3600_000;

export interface PkiHealth {
  overdue: Awaited<ReturnType<typeof dueRenewals>>;
  own: Array<{ kind: 'server_certificate' | 'server_ca' | 'client_ca'; subject: string; notAfter: Date; renewalDate: Date; overdue: boolean }>;
}

export async function pkiHealth(pool: Pool, tls: PkiMaterialInfo | undefined, now = new Date()): Promise<PkiHealth> {
  const overdue = (await dueRenewals(pool, now, 0)).filter((d) => d.overdue);
  const own: PkiHealth['own'] = [];
  const add = (kind: PkiHealth['own'][number]['kind'], subject: string, notAfter: Date) => {
    const rd = renewalDate(notAfter);
    own.push({ kind, subject, notAfter, renewalDate: rd, overdue: rd <= now });
  };
  if (tls) {
    add('server_certificate', tls.serverCert.subject, tls.serverCert.notAfter);
    if (tls.serverCa) add('server_ca', tls.serverCa.subject, tls.serverCa.notAfter);
    for (const c of tls.clientCas) if (c.source === 'provider') add('client_ca', c.subject, c.notAfter);
  }
  return { overdue, own };
}

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ');

/** Prometheus text exposition for the admin listener's /metrics. */
export async function pkiMetrics(pool: Pool, tls: PkiMaterialInfo | undefined, now = new Date()): Promise<string> {
  const h = await pkiHealth(pool, tls, now);
  const lines = [
    '# HELP esav_certificates_renewal_overdue Operator certificates past their renewal date (expiry minus 15 working days) and not renewed.',
    '# TYPE esav_certificates_renewal_overdue gauge',
    `esav_certificates_renewal_overdue ${h.overdue.length}`,
    '# HELP esav_certificate_renewal_overdue One per overdue operator certificate.',
    '# TYPE esav_certificate_renewal_overdue gauge',
    ...h.overdue.map((d) => `esav_certificate_renewal_overdue{siren="${d.siren}",scope="${d.scope}",source="${d.source}",fingerprint="${d.fingerprint}"} 1`),
    '# HELP esav_pki_renewal_overdue The gateway\'s own certificate or CA is past its renewal date.',
    '# TYPE esav_pki_renewal_overdue gauge',
    ...h.own.map((o) => `esav_pki_renewal_overdue{kind="${o.kind}",subject="${label(o.subject)}"} ${o.overdue ? 1 : 0}`),
    '# HELP esav_pki_expiry_timestamp_seconds Expiry of the gateway\'s own certificate and CAs.',
    '# TYPE esav_pki_expiry_timestamp_seconds gauge',
    ...h.own.map((o) => `esav_pki_expiry_timestamp_seconds{kind="${o.kind}",subject="${label(o.subject)}"} ${Math.floor(o.notAfter.getTime() / 1000)}`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * Hourly in every process: housekeeping (idempotent, see sweep) and a warning per overdue renewal,
 * the gateway's own certificate and CAs included. Also runs once at start.
 */
export class PkiMonitor {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly tls: () => PkiMaterialInfo | undefined,
    private readonly log: Logger,
  ) {}

  async runOnce(now = new Date()): Promise<PkiHealth> {
    await sweep(this.pool, now, this.log);
    const h = await pkiHealth(this.pool, this.tls(), now);
    for (const d of h.overdue) {
      this.log.warn({ siren: d.siren, scope: d.scope, source: d.source, fingerprint: d.fingerprint, notAfter: d.notAfter, renewalDate: d.renewalDate, deadline: d.deadline }, 'certificate renewal overdue');
    }
    for (const o of h.own.filter((x) => x.overdue)) {
      this.log.warn({ kind: o.kind, subject: o.subject, notAfter: o.notAfter, renewalDate: o.renewalDate }, 'gateway PKI renewal overdue');
    }
    return h;
  }

  start(intervalMs = HOUR): void {
    const tick = () => void this.runOnce().catch((err: Error) => this.log.warn({ err: err.message }, 'PKI check failed'));
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
