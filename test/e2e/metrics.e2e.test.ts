import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, envelope, parseSoap, soapPost, V1, V2 } from '../support/http.js';
import { metric, scrape, type Sample } from '../support/metrics.js';
import { newReference } from '../../src/domain/tickets/reference.js';

// Issue 7: article 7 volumetry, /metrics, esav stats.
const OP = '732829320';
const OTHER = '380129866';
const TEST_NS = 'urn:fr:esav:test:v1';
let t: TestGateway;
let creds: ClientCreds;
let otherCreds: ClientCreds;
let db: pg.Pool;

async function sig(op: string, inner: string, c = creds, version: 'v1' | 'v2' = 'v1') {
  const ns = version === 'v1' ? V1 : V2;
  const r = await soapPost(`${t.base}/ws/signalisation/${version}`, c, envelope(`<s:${op} xmlns:s="${ns}">${inner}</s:${op}>`), `${ns}#${op}`);
  return parseSoap(r.body);
}

async function test(op: string, inner: string) {
  const r = await soapPost(`${t.base}/ws/test/v1`, creds, envelope(`<t:${op} xmlns:t="${TEST_NS}">${inner}</t:${op}>`), `${TEST_NS}#${op}`);
  return parseSoap(r.body);
}

async function deposit(version: 'v1' | 'v2', prestation = 'ETH-M1', c = creds): Promise<string> {
  const ns = version === 'v1' ? V1 : V2;
  const p = parseSoap((await soapPost(`${t.base}/ws/signalisation/${version}`, c, depositXml(ns, prestation), `${ns}#deposerSignalisation`)).body);
  if (!p.payload) throw new Error(`deposit failed: ${JSON.stringify(p.fault)}`);
  return p.payload.deposerSignalisationReponse.referenceSignalisation;
}

const state = (ref: string, c = creds) => sig('consulterEtatSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`, c);

/** A line test launched and polled to its result (the poll is not counted). */
async function testWithResult(): Promise<void> {
  const id = (await test('lancerTest', '<t:identifiantPrestation>RAPIDE-ETH-OK</t:identifiantPrestation><t:typeTest>ETAT_SERVICE</t:typeTest>')).payload!.lancerTestReponse.idTest;
  for (let i = 0; i < 300; i++) {
    const r = (await test('consulterResultatTest', `<t:idTest>${id}</t:idTest>`)).payload!.consulterResultatTestReponse;
    if (r.etat !== 'EN_COURS') {
      expect(r.etat).toBe('TERMINE');
      return;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`test ${id} still EN_COURS`);
}

const volumetry = (s: Sample[], operator: string, kind: string) => metric(s, 'esav_volumetry_requests_total', { operator, kind });
const KINDS = ['TEST_AVEC_RESULTAT', 'INFO_TRAVAUX', 'DEPOT', 'CONSULTATION_ETAT', 'HISTORIQUE'];
const moved = (before: Sample[], after: Sample[], operator: string) => Object.fromEntries(KINDS.map((k) => [k, volumetry(after, operator, k) - volumetry(before, operator, k)]));
const parisToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav', 'Opérateur Métriques');
  otherCreds = t.issue(OTHER, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-M1', '--offer', 'ETH_ENTREPRISE');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'RAPIDE-ETH-OK', '--offer', 'ETH_ENTREPRISE');
  esavOk(t.env, 'prestation', 'add', '--operator', OTHER, '--id', 'ETH-M2', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('/metrics: the five article 7 counters', () => {
  it('each moves by exactly the answered requests of its kind, per operator; faults are not counted', async () => {
    const before = await scrape(t.gw.adminPort!);
    // DEPOT: one deposit on each version; a refused deposit does not count.
    const ref = await deposit('v1');
    await deposit('v2');
    const refused = parseSoap((await soapPost(`${t.base}/ws/signalisation/v1`, creds, depositXml(V1, 'ETH-INCONNUE'), `${V1}#deposerSignalisation`)).body);
    expect(refused.fault?.code).toBe('PRESTATION_INCONNUE');
    // CONSULTATION_ETAT: three answered (v1 and v2), one refused.
    for (let i = 0; i < 2; i++) expect((await state(ref)).payload).toBeDefined();
    expect((await sig('consulterEtatSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`, creds, 'v2')).payload).toBeDefined();
    expect((await state(newReference())).fault?.code).toBe('SIGNALISATION_INCONNUE');
    // HISTORIQUE: one answered, one refused (the ticket is not closed).
    expect((await sig('consulterHistoriqueSignalisations', '<s:identifiantPrestation>ETH-M1</s:identifiantPrestation>')).payload).toBeDefined();
    expect((await sig('consulterHistoriqueSignalisations', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`)).fault?.code).toBe('SIGNALISATION_NON_CLOSE');
    // INFO_TRAVAUX: one request for TP or incident information.
    expect((await test('consulterTravauxIncidents', '<t:identifiantPrestation>RAPIDE-ETH-OK</t:identifiantPrestation>')).payload).toBeDefined();
    // TEST_AVEC_RESULTAT: one test that produced a result.
    await testWithResult();
    // Another operator's request counts for it alone.
    await deposit('v1', 'ETH-M2', otherCreds);

    const after = await scrape(t.gw.adminPort!);
    expect(moved(before, after, OP)).toEqual({ TEST_AVEC_RESULTAT: 1, INFO_TRAVAUX: 1, DEPOT: 2, CONSULTATION_ETAT: 3, HISTORIQUE: 1 });
    expect(moved(before, after, OTHER)).toEqual({ TEST_AVEC_RESULTAT: 0, INFO_TRAVAUX: 0, DEPOT: 1, CONSULTATION_ETAT: 0, HISTORIQUE: 0 });
    // The scrape wrote what was counted in memory: the table agrees, on today's Paris day.
    const rows = (await db.query(`SELECT kind, count::int AS n FROM volumetry WHERE operator_siren = $1 AND day = $2::date`, [OP, parisToday()])).rows;
    const table = Object.fromEntries(rows.map((r) => [r.kind, r.n]));
    for (const k of KINDS) expect(table[k] ?? 0).toBe(volumetry(after, OP, k));
  });
});

describe('/metrics: durations, faults, certificates, jobs', () => {
  it('faults per code move by the faults answered; the duration histogram has the operation, per result', async () => {
    const before = await scrape(t.gw.adminPort!);
    for (let i = 0; i < 2; i++) expect((await state(newReference())).fault?.code).toBe('SIGNALISATION_INCONNUE');
    const ref = await deposit('v1');
    expect((await state(ref)).payload).toBeDefined();
    // An unknown service: counted under "other", not under a name the caller chose.
    const unknown = parseSoap((await soapPost(`${t.base}/ws/nimportequoi/v9`, creds, envelope('<x/>'), '')).body);
    expect(unknown.fault?.code).toBe('SERVICE_INCONNU');
    const after = await scrape(t.gw.adminPort!);

    const faults = (s: Sample[], code: string) => metric(s, 'esav_soap_faults_total', { code });
    expect(faults(after, 'SIGNALISATION_INCONNUE') - faults(before, 'SIGNALISATION_INCONNUE')).toBe(2);
    expect(faults(after, 'SERVICE_INCONNU') - faults(before, 'SERVICE_INCONNU')).toBe(1);
    expect(faults(after, 'PRESTATION_INCONNUE') - faults(before, 'PRESTATION_INCONNUE')).toBe(0);

    const count = (s: Sample[], labels: Record<string, string>) => metric(s, 'esav_soap_request_duration_seconds_count', labels);
    const stateOk = { service: 'signalisation', version: 'v1', operation: 'consulterEtatSignalisation', result: 'ok' };
    const stateFault = { ...stateOk, result: 'fault' };
    const depositOk = { ...stateOk, operation: 'deposerSignalisation' };
    expect(count(after, stateFault) - count(before, stateFault)).toBe(2);
    expect(count(after, stateOk) - count(before, stateOk)).toBe(1);
    expect(count(after, depositOk) - count(before, depositOk)).toBe(1);
    expect(count(after, { service: 'other', version: 'other', operation: 'none', result: 'fault' }) - count(before, { service: 'other', version: 'other', operation: 'none', result: 'fault' })).toBe(1);
    expect(after.some((s) => s.labels.service === 'nimportequoi')).toBe(false);
    // Buckets: cumulative, ending at +Inf = count; sum in seconds, positive.
    const buckets = after.filter((s) => s.name === 'esav_soap_request_duration_seconds_bucket' && Object.entries(depositOk).every(([k, v]) => s.labels[k] === v));
    expect(buckets.map((b) => b.labels.le)).toEqual(['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(buckets.at(-1)!.value).toBe(count(after, depositOk));
    expect(metric(after, 'esav_soap_request_duration_seconds_sum', depositOk)).toBeGreaterThan(0);
    expect(metric(after, 'esav_metrics_processes')).toBe(1);
  });

  it('certificate expiry per operator certificate, the gateway\'s own, and job queue depth per queue', async () => {
    const s = await scrape(t.gw.adminPort!);
    const expiry = Math.floor(Date.parse(new X509Certificate(creds.cert).validTo) / 1000);
    expect(metric(s, 'esav_certificate_expiry_timestamp_seconds', { siren: OP, scope: 'esav', fingerprint: creds.fingerprint })).toBe(expiry);
    expect(s.filter((x) => x.name === 'esav_pki_expiry_timestamp_seconds').map((x) => x.labels.kind)).toContain('server_certificate');
    for (const source of ['volumetry', 'certificates', 'jobs', 'pki']) expect(metric(s, 'esav_metrics_source_up', { source })).toBe(1);

    // A launched test queues its deadline job (start time 2 minutes on): the deferred depth moves.
    const deferred = (x: Sample[]) => metric(x, 'esav_job_queue_depth', { queue: 'line-test-deadline', state: 'deferred' });
    expect(s.some((x) => x.name === 'esav_job_queue_depth' && x.labels.queue === 'line-test-run')).toBe(true);
    await test('lancerTest', '<t:identifiantPrestation>RAPIDE-ETH-OK</t:identifiantPrestation><t:typeTest>ETAT_SESSION</t:typeTest>');
    expect(deferred(await scrape(t.gw.adminPort!)) - deferred(s)).toBe(1);
  });
});

describe('esav stats', () => {
  it('prints the five counts per Paris day and operator, with a total, from the table', async () => {
    await scrape(t.gw.adminPort!); // writes what the gateway still holds in memory
    const today = parisToday();
    const fromDb = async (siren: string) =>
      Object.fromEntries((await db.query('SELECT kind, count::int AS n FROM volumetry WHERE operator_siren = $1 AND day = $2::date', [siren, today])).rows.map((r) => [r.kind, r.n]));
    const mine = await fromDb(OP);
    expect(mine.DEPOT).toBeGreaterThan(0);

    const out = esavOk(t.env, 'stats', '--operator', OP).trim().split('\n');
    expect(out[0]).toMatch(new RegExp(`Paris days \\d{4}-\\d{2}-\\d{2} to ${today}, operator ${OP}`));
    expect(out[1]!.split(/\s+/)).toEqual(['day', 'operator', ...KINDS, 'total']);
    const row = out.find((l) => l.startsWith(`${today}  ${OP}`))!.split(/\s+/);
    const expected = KINDS.map((k) => mine[k] ?? 0);
    expect(row).toEqual([today, OP, ...expected.map(String), String(expected.reduce((a, b) => a + b, 0))]);
    expect(out.some((l) => l.includes(OTHER))).toBe(false);

    // All operators: both, and the total row sums them.
    const all = esavOk(t.env, 'stats', '--from', today, '--to', today).trim().split('\n');
    const other = await fromDb(OTHER);
    expect(all.find((l) => l.startsWith(`${today}  ${OTHER}`))!.split(/\s+/).slice(2, 7)).toEqual(KINDS.map((k) => String(other[k] ?? 0)));
    expect(all.at(-1)!.split(/\s+/).slice(1, 6)).toEqual(KINDS.map((k) => String((mine[k] ?? 0) + (other[k] ?? 0))));

    // A period with nothing counted; esav volumetry still answers.
    expect(esavOk(t.env, 'stats', '--from', '2020-01-01', '--to', '2020-01-31')).toMatch(/no request counted/);
    expect(esavOk(t.env, 'volumetry', '--operator', OP, '--from', today, '--to', today)).toMatch(new RegExp(`${today}\tDEPOT\t${mine.DEPOT}`));
  });

  it('bad arguments: exit 2 and what to fix', () => {
    const bad = (args: string[], re: RegExp) => {
      const r = esav(t.env, 'stats', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(re);
    };
    bad(['--from', '2026-02-30'], /--from must be a date YYYY-MM-DD/);
    bad(['--from', '2026-03-02', '--to', '2026-03-01'], /--from \(2026-03-02\) is after --to \(2026-03-01\)/);
    bad(['--from', '2020-01-01', '--to', '2026-01-01'], /at most 366 days/);
    bad(['--operator', '12345'], /SIREN of 9 digits/);
    bad(['--operator', '999999999'], /operator 999999999 is not registered/);
  });
});
