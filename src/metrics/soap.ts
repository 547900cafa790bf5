/**
 * Per-process SOAP call metrics: a duration histogram per service, version, operation and result,
 * and faults per code. Plain numbers in Maps (a request costs a Map lookup and a bucket scan);
 * snapshots are JSON so that cluster workers can send them to one another (cluster.ts).
 */

/** Upper bounds in seconds: a state query is well under 5 ms, a deposit's group commit a few ms. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface DurationSeries {
  service: string;
  version: string;
  operation: string;
  result: 'ok' | 'fault';
  /** Per bucket (not cumulative), the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export interface SoapSnapshot {
  durations: DurationSeries[];
  faults: Record<string, number>;
}

const keyOf = (s: Pick<DurationSeries, 'service' | 'version' | 'operation' | 'result'>) => `${s.service}/${s.version}/${s.operation}/${s.result}`;

export class SoapMetrics {
  // Nested maps: no key string built per call. service -> version -> operation -> [ok, fault].
  private readonly series = new Map<string, Map<string, Map<string, [DurationSeries | undefined, DurationSeries | undefined]>>>();
  private readonly faults = new Map<string, number>();

  observe(service: string, version: string, operation: string, seconds: number, faultCode?: string): void {
    let versions = this.series.get(service);
    if (!versions) this.series.set(service, (versions = new Map()));
    let operations = versions.get(version);
    if (!operations) versions.set(version, (operations = new Map()));
    let pair = operations.get(operation);
    if (!pair) operations.set(operation, (pair = [undefined, undefined]));
    const fault = faultCode !== undefined;
    let s = pair[fault ? 1 : 0];
    if (!s) pair[fault ? 1 : 0] = s = { service, version, operation, result: fault ? 'fault' : 'ok', buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    s.buckets[i]!++;
    s.sum += seconds;
    s.count++;
    if (fault) this.faults.set(faultCode, (this.faults.get(faultCode) ?? 0) + 1);
  }

  snapshot(): SoapSnapshot {
    const durations: DurationSeries[] = [];
    for (const versions of this.series.values()) {
      for (const operations of versions.values()) {
        for (const pair of operations.values()) for (const s of pair) if (s) durations.push({ ...s, buckets: [...s.buckets] });
      }
    }
    return { durations, faults: Object.fromEntries(this.faults) };
  }
}

/** Sums the snapshots of several processes. */
export function mergeSnapshots(snaps: SoapSnapshot[]): SoapSnapshot {
  const durations = new Map<string, DurationSeries>();
  const faults: Record<string, number> = {};
  for (const snap of snaps) {
    for (const s of snap.durations) {
      const key = keyOf(s);
      const into = durations.get(key);
      if (!into) durations.set(key, { ...s, buckets: [...s.buckets] });
      else {
        s.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
        into.sum += s.sum;
        into.count += s.count;
      }
    }
    for (const [code, n] of Object.entries(snap.faults)) faults[code] = (faults[code] ?? 0) + n;
  }
  return { durations: [...durations.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b))), faults };
}

export const labelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text (format 0.0.4) of a (merged) snapshot. */
export function renderSoap(snap: SoapSnapshot): string[] {
  const lines = [
    '# HELP esav_soap_request_duration_seconds SOAP calls: time from the request to the built answer, per service, version, operation and result (ok or fault).',
    '# TYPE esav_soap_request_duration_seconds histogram',
  ];
  for (const s of snap.durations) {
    const labels = `service="${labelValue(s.service)}",version="${labelValue(s.version)}",operation="${labelValue(s.operation)}",result="${s.result}"`;
    let cumulative = 0;
    DURATION_BUCKETS.forEach((le, i) => {
      cumulative += s.buckets[i] ?? 0;
      lines.push(`esav_soap_request_duration_seconds_bucket{${labels},le="${le}"} ${cumulative}`);
    });
    lines.push(`esav_soap_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count}`);
    lines.push(`esav_soap_request_duration_seconds_sum{${labels}} ${s.sum}`);
    lines.push(`esav_soap_request_duration_seconds_count{${labels}} ${s.count}`);
  }
  lines.push('# HELP esav_soap_faults_total SOAP faults answered, per fault code.', '# TYPE esav_soap_faults_total counter');
  for (const code of Object.keys(snap.faults).sort()) lines.push(`esav_soap_faults_total{code="${labelValue(code)}"} ${snap.faults[code]}`);
  return lines;
}
