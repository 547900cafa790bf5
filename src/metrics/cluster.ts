import cluster, { type Cluster, type Worker } from 'node:cluster';
import type { SoapSnapshot } from './soap.js';

/**
 * Metrics across `esav serve`'s processes. Only the first process serves the admin port
 * (src/cluster.ts), so a scrape always lands there: it asks every other live process for its
 * report (each first flushes its volumetry) and sums them with its own. Out of a cluster
 * (ESAV_WORKERS=1, tests) the report is the process's own.
 */

export interface WorkerReport {
  pid: number;
  soap: SoapSnapshot;
}

const COLLECT = 'esav:metrics:collect';
const REPORT = 'esav:metrics:report';

interface Message {
  type?: string;
  id?: string;
  report?: WorkerReport;
}

export class ClusterReports {
  private seq = 0;
  private readonly onCollect = (msg: Message) => {
    if (msg?.type !== COLLECT || !msg.id) return;
    void this.local().then(
      (report) => process.send?.({ type: REPORT, id: msg.id, report }),
      () => process.send?.({ type: REPORT, id: msg.id }),
    );
  };

  constructor(
    private readonly local: () => Promise<WorkerReport>,
    private readonly c: Cluster = cluster,
  ) {
    if (c.isWorker) process.on('message', this.onCollect);
  }

  /** This process's report and those of the other processes that answer within timeoutMs. */
  async gather(timeoutMs = 2000): Promise<WorkerReport[]> {
    const own = this.local();
    const workers = this.c.isPrimary ? Object.values(this.c.workers ?? {}).filter((w): w is Worker => !!w && w.isConnected()) : [];
    const others = workers.length > 0 ? await this.collect(workers, timeoutMs) : [];
    return [await own, ...others];
  }

  close(): void {
    if (this.c.isWorker) process.off('message', this.onCollect);
  }

  private collect(workers: Worker[], timeoutMs: number): Promise<WorkerReport[]> {
    const id = `c${process.pid}:${++this.seq}`;
    return new Promise((resolve) => {
      const reports: WorkerReport[] = [];
      let left = workers.length;
      const finish = () => {
        clearTimeout(timer);
        this.c.off('message', onReport);
        resolve(reports);
      };
      const onReport = (_w: Worker, m: Message) => {
        if (m?.type !== REPORT || m.id !== id) return;
        if (m.report) reports.push(m.report);
        if (--left === 0) finish();
      };
      this.c.on('message', onReport);
      const timer = setTimeout(finish, timeoutMs);
      for (const w of workers) {
        try {
          w.send({ type: COLLECT, id });
        } catch {
          if (--left === 0) finish(); // exited meanwhile
        }
      }
    });
  }
}
