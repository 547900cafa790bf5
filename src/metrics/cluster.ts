import cluster, { type Cluster, type Worker } from 'node:cluster';
import type { SoapSnapshot } from './soap.js';

/**
 * Metrics across node:cluster workers. Every worker listens on the shared admin port, so a scrape
 * lands on any one of them; that worker asks the primary, which asks every live worker for its
 * report (each first flushes its volumetry), and sends them all back. The scraped worker then
 * sums them. Out of a cluster (ESAV_WORKERS=1, tests) the report is the process's own.
 */

export interface WorkerReport {
  pid: number;
  soap: SoapSnapshot;
}

const GATHER = 'esav:metrics:gather';
const COLLECT = 'esav:metrics:collect';
const REPORT = 'esav:metrics:report';
const GATHERED = 'esav:metrics:gathered';

interface Message {
  type?: string;
  id?: string;
  report?: WorkerReport;
  reports?: WorkerReport[];
}

/** Worker side: answers the primary's collect requests and gathers every worker's report. */
export class ClusterReports {
  private seq = 0;
  private readonly waiting = new Map<string, (reports: WorkerReport[]) => void>();
  private readonly onMessage = (msg: Message) => {
    if (msg?.type === COLLECT && msg.id) {
      void this.local().then(
        (report) => process.send?.({ type: REPORT, id: msg.id, report }),
        () => process.send?.({ type: REPORT, id: msg.id }),
      );
    } else if (msg?.type === GATHERED && msg.id) {
      this.waiting.get(msg.id)?.(msg.reports ?? []);
    }
  };

  constructor(
    private readonly local: () => Promise<WorkerReport>,
    private readonly inCluster = cluster.isWorker && typeof process.send === 'function',
  ) {
    if (this.inCluster) process.on('message', this.onMessage);
  }

  /** Every live process's report; this process's alone when the primary does not answer in time. */
  async gather(timeoutMs = 3000): Promise<WorkerReport[]> {
    if (!this.inCluster) return [await this.local()];
    const id = `${process.pid}:${++this.seq}`;
    const reports = await new Promise<WorkerReport[] | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      process.send!({ type: GATHER, id });
    });
    this.waiting.delete(id);
    return reports && reports.length > 0 ? reports : [await this.local()];
  }

  close(): void {
    if (this.inCluster) process.off('message', this.onMessage);
  }
}

/** Primary side (cluster.ts): relays a worker's gather to every live worker. */
export function relayClusterReports(c: Cluster = cluster, timeoutMs = 2000): void {
  let seq = 0;
  c.on('message', (asker: Worker, msg: Message) => {
    if (msg?.type !== GATHER || !msg.id) return;
    const id = `g${++seq}`;
    const workers = Object.values(c.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected());
    const reports: WorkerReport[] = [];
    let left = workers.length;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.off('message', onReport);
      if (asker.isConnected()) asker.send({ type: GATHERED, id: msg.id, reports });
    };
    const onReport = (_w: Worker, m: Message) => {
      if (m?.type !== REPORT || m.id !== id) return;
      if (m.report) reports.push(m.report);
      if (--left === 0) finish();
    };
    c.on('message', onReport);
    const timer = setTimeout(finish, timeoutMs);
    for (const w of workers) {
      try {
        w.send({ type: COLLECT, id });
      } catch {
        left--; // exited meanwhile
      }
    }
    if (left === 0) finish();
  });
}
