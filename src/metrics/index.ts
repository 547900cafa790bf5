import type { Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import type { CallRecord } from '../soap/pipeline.js';
import type { ServiceRegistry } from '../soap/registry.js';
import { ClusterReports } from './cluster.js';
import { certificateExpiry, jobQueueDepth } from './gauges.js';
import { mergeSnapshots, renderSoap, SoapMetrics } from './soap.js';
import { totalCounts, VolumetryCounter, type VolumetryKind } from './volumetry.js';

/** The answered operations that article 7 counts and that the pipeline sees (the other kinds are counted by their services). */
const COUNTED = new Map<string, Map<string, VolumetryKind>>([
  ['signalisation', new Map<string, VolumetryKind>([
    ['deposerSignalisation', 'DEPOT'],
    ['consulterEtatSignalisation', 'CONSULTATION_ETAT'],
    ['consulterHistoriqueSignalisations', 'HISTORIQUE'],
  ])],
]);

export interface MetricsOptions {
  pool: Pool;
  registry: ServiceRegistry;
  /** The business clock: the Paris day a request is counted on. */
  clock: () => Date;
  log: Logger;
  /** More Prometheus text read at scrape time (the PKI's renewal and expiry metrics). */
  pki?: () => Promise<string>;
  /** How often the volumetry counted in memory is written (ms). */
  flushIntervalMs?: number;
}

/**
 * The gateway's metrics (docs/metrics.md): the pipeline reports each call to observe(); the admin
 * listener's GET /metrics serves render().
 */
export class GatewayMetrics {
  readonly soap = new SoapMetrics();
  readonly volumetry: VolumetryCounter;
  private readonly reports: ClusterReports;

  constructor(private readonly o: MetricsOptions) {
    this.volumetry = new VolumetryCounter(o.pool, o.log, o.flushIntervalMs);
    this.reports = new ClusterReports(async () => {
      // Written before the scraped process reads the table, so the counters include this process's last calls.
      await this.volumetry.flush().catch(() => undefined);
      return { pid: process.pid, soap: this.soap.snapshot() };
    });
  }

  start(): void {
    this.volumetry.start();
  }

  /** Once per SOAP call, after its answer is built: a few Map operations. */
  readonly observe = (c: CallRecord): void => {
    // Labels only from live versions: the URL must not create series at will.
    const known = this.o.registry.get(c.service, c.version) !== undefined;
    this.soap.observe(known ? c.service : 'other', known ? c.version : 'other', c.operation ?? 'none', c.seconds, c.fault);
    if (c.fault !== undefined || c.siren === undefined || c.operation === undefined) return;
    const kind = COUNTED.get(c.service)?.get(c.operation);
    if (kind) this.volumetry.count(c.siren, kind, this.o.clock().getTime());
  };

  /** Prometheus text format 0.0.4: every process's SOAP metrics summed, then the database's gauges. */
  async render(): Promise<string> {
    const reports = await this.reports.gather();
    const lines = [
      ...renderSoap(mergeSnapshots(reports.map((r) => r.soap))),
      '# HELP esav_metrics_processes Gateway processes whose SOAP metrics this scrape sums.',
      '# TYPE esav_metrics_processes gauge',
      `esav_metrics_processes ${reports.length}`,
    ];
    const up: string[] = [];
    const source = async (name: string, read: () => Promise<string[]>) => {
      try {
        lines.push(...(await read()));
        up.push(`esav_metrics_source_up{source="${name}"} 1`);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, source: name }, 'metrics source unavailable');
        up.push(`esav_metrics_source_up{source="${name}"} 0`);
      }
    };
    await source('volumetry', () => this.volumetryLines());
    await source('certificates', () => certificateExpiry(this.o.pool));
    await source('jobs', () => jobQueueDepth(this.o.pool));
    const pki = this.o.pki;
    if (pki) await source('pki', async () => (await pki()).trimEnd().split('\n'));
    lines.push('# HELP esav_metrics_source_up 1 when the source could be read for this scrape.', '# TYPE esav_metrics_source_up gauge', ...up);
    return lines.join('\n') + '\n';
  }

  private async volumetryLines(): Promise<string[]> {
    const rows = await totalCounts(this.o.pool);
    return [
      '# HELP esav_volumetry_requests_total Requests counted for contract article 7, per operator and kind, all days (esav stats gives them per Paris day).',
      '# TYPE esav_volumetry_requests_total counter',
      ...rows.map((r) => `esav_volumetry_requests_total{operator="${r.siren}",kind="${r.kind}"} ${r.count}`),
    ];
  }

  /** Stops the timer and writes what is still counted in memory (gateway close, SIGTERM). */
  async close(): Promise<void> {
    this.reports.close();
    await this.volumetry.stop();
  }
}
