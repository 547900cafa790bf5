import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, envelope, parseSoap, V1 } from '../support/http.js';
import { startDedicatedPostgres, type DedicatedPostgres } from '../support/pg.js';
import { keepAliveAgent, mapLimit, sleep, spawnServe, timedSoapPost, waitFor, type ServeProcess, type TimedReply } from '../support/load.js';

// Issue #8, database outage: PostgreSQL stopped during a load, then started again. A PostgreSQL
// of this test's own: the run's shared one (globalSetup) is never stopped.
const OP = '552081325';
const PRESTATION = 'ETH-OUTAGE-1';
const ACTION = `${V1}#deposerSignalisation`;
const CALL_BOUND_MS = 15_000;

let pgd: DedicatedPostgres;
let t: TestGateway;
let creds: ClientCreds;
let spare: ClientCreds;
let serve: ServeProcess;
let db: pg.Pool;

const contentOf = (ext: string) => `Panne ${ext} pendant la coupure de la base`;
const depositOf = (ext: string, prestation = PRESTATION) => depositXml(V1, prestation, { ext, comment: contentOf(ext) });
const refOf = (r: TimedReply) => parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string;
const stateQuery = (ref: string) => envelope(`<s:consulterEtatSignalisation xmlns:s="${V1}"><s:referenceSignalisation>${ref}</s:referenceSignalisation></s:consulterEtatSignalisation>`);

beforeAll(async () => {
  pgd = await startDedicatedPostgres();
  // The in-process gateway and `esav serve` (primary + 2 workers) both use the dedicated database.
  t = await startTestGateway({ DATABASE_URL: pgd.url });
  creds = t.issue(OP, 'esav');
  spare = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', PRESTATION, '--offer', 'ETH_ENTREPRISE');
  serve = await spawnServe({ ...t.env, ESAV_WORKERS: '2', ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' }, 2);
  db = new pg.Pool({ connectionString: pgd.url, max: 2, connectionTimeoutMillis: 3000 });
  db.on('error', () => undefined);
}, 90_000);

afterAll(async () => {
  await serve?.stop().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await t?.close().catch(() => undefined);
  await pgd?.destroy();
});

describe('PostgreSQL stopped during a load, then started again', () => {
  it('calls fail fast with a Server fault, nothing hangs or dies, service resumes without restart, nothing acknowledged is lost', async () => {
    const urls = [`https://localhost:${serve.port}/ws/signalisation/v1`, `${t.base}/ws/signalisation/v1`];
    // Warm the caches (identity, prestation) before the outage, with a certificate revoked afterwards.
    for (const [i, url] of urls.entries()) expect((await timedSoapPost(url, spare, depositOf(`WARM-${i}`), ACTION)).status).toBe(200);

    type Phase = 'up' | 'down' | 'back';
    let phase: Phase = 'up';
    let stopLoad = false;
    const replies: Array<{ ext: string; phase: Phase; r: TimedReply }> = [];
    const lanes = Array.from({ length: 6 }, async (_, lane) => {
      const agent = keepAliveAgent(creds, 1);
      try {
        for (let i = 0; !stopLoad && i < 5000; i++) {
          const ext = `OUT-${lane}-${i}`;
          const p = phase;
          const r = await timedSoapPost(urls[lane % 2]!, creds, depositOf(ext), ACTION, { agent, timeoutMs: CALL_BOUND_MS });
          replies.push({ ext, phase: p, r });
          // A client backs off a little on a fault (as Retry-After asks, much shortened).
          if (r.status !== 200) await sleep(100);
        }
      } finally {
        agent.destroy();
      }
    });

    await sleep(1500);
    phase = 'down';
    await pgd.stop();
    await sleep(6000);
    await pgd.start();
    phase = 'back';
    // Service resumes without restarting the gateway: deposits succeed again on both (bounded wait).
    await waitFor('deposits to succeed again', async () => {
      const recent = replies.filter((x) => x.phase === 'back' && x.r.status === 200);
      return recent.length >= 10 ? true : undefined;
    }, 30_000);
    await sleep(1000);
    stopLoad = true;
    await Promise.all(lanes);

    // Nothing hung: every call got an HTTP answer within the bound; no process died.
    // Every call got an HTTP answer: the connection re-check on a lost LISTEN connection only
    // closes connections whose certificate is refused, not on a database error.
    expect(replies.filter((x) => x.r.error).map((x) => x.r.error)).toEqual([]);
    for (const { r } of replies) expect(r.ms).toBeLessThan(CALL_BOUND_MS);
    expect(serve.alive()).toBe(true);
    expect(serve.logs.filter((l) => /worker died/.test(l))).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${t.gw.adminPort}/health`)).status).toBe(200);

    // Every failure is a proper SOAP Server fault: the database is unavailable, retry later.
    const faults = replies.filter((x) => x.r.status !== undefined && x.r.status !== 200);
    expect(faults.length).toBeGreaterThan(0);
    for (const { r } of faults) {
      expect(r.status).toBe(500);
      const f = parseSoap(r.body!).fault!;
      expect([f.faultcode, f.code]).toEqual(['soap:Server', 'SERVICE_INDISPONIBLE']);
      expect(r.headers?.['retry-after']).toBe('5');
    }
    const downFaults = faults.filter((x) => x.phase === 'down');
    expect(downFaults.length).toBeGreaterThan(0);

    // Nothing acknowledged is lost: every 200 is in the database with its content.
    const acknowledged = replies.filter((x) => x.r.status === 200);
    const rows = new Map(((await db.query('SELECT reference, external_ref, comment FROM tickets WHERE operator_siren = $1', [OP])).rows as Array<{ reference: string; external_ref: string; comment: string }>).map((r) => [r.reference, r]));
    for (const { ext, r } of acknowledged) expect(rows.get(refOf(r))).toEqual({ reference: refOf(r), external_ref: ext, comment: contentOf(ext) });

    // Clients retry what failed: one ticket each, the acknowledged ones unchanged.
    const agent = keepAliveAgent(creds, 4);
    const all = [...new Set(replies.map((x) => x.ext))];
    const retries = await mapLimit(all, 4, (ext, i) => timedSoapPost(urls[i % 2]!, creds, depositOf(ext), ACTION, { agent, timeoutMs: CALL_BOUND_MS }));
    agent.destroy();
    retries.forEach((r) => expect(r.status).toBe(200));
    const first = new Map(acknowledged.map((x) => [x.ext, refOf(x.r)]));
    retries.forEach((r, i) => first.has(all[i]!) && expect(refOf(r)).toBe(first.get(all[i]!)));
    const perExt = (await db.query("SELECT count(*)::int AS n, count(DISTINCT external_ref)::int AS d FROM tickets WHERE operator_siren = $1 AND external_ref LIKE 'OUT-%'", [OP])).rows[0];
    expect(perExt).toEqual({ n: all.length, d: all.length });

    // The LISTEN connections came back (in-process gateway + 2 workers), so caches are trusted again...
    await waitFor('notification listeners to reconnect', async () => {
      const n = (await db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'esav-notifications'")).rows[0].n as number;
      return n >= 3 ? n : undefined;
    }, 20_000);
    // ...and invalidation works: a revoke after the outage is refused on the next request, by every
    // process, though the certificate was cached before the outage.
    esavOk(t.env, 'cert', 'revoke', '--fingerprint', spare.fingerprint);
    for (const url of [...urls, urls[0]!, urls[0]!]) {
      const r = await waitFor('the revoke to be seen', async () => {
        const x = await timedSoapPost(url, spare, depositOf('AFTER-REVOKE'), ACTION, { timeoutMs: CALL_BOUND_MS });
        return x.status === 500 && parseSoap(x.body!).fault?.code === 'CERTIFICAT_REVOQUE' ? x : undefined;
      }, 5_000);
      expect(r.status).toBe(500);
    }
    // A prestation added after the outage is usable at once (prestation cache invalidated by NOTIFY).
    esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-OUTAGE-2', '--offer', 'ETH_ENTREPRISE');
    for (const [i, url] of urls.entries()) {
      const r = await timedSoapPost(url, creds, depositOf(`NEW-${i}`, 'ETH-OUTAGE-2'), ACTION);
      expect(r.status).toBe(200);
      const s = await timedSoapPost(url, creds, stateQuery(refOf(r)), `${V1}#consulterEtatSignalisation`);
      expect(parseSoap(s.body!).payload!.consulterEtatSignalisationReponse.etat).toBe('EN_DEPOT');
    }
    const slowest = Math.max(...downFaults.map((x) => x.r.ms));
    console.log(`db outage: ${replies.length} calls (${acknowledged.length} acknowledged, ${faults.length} SERVICE_INDISPONIBLE, ${downFaults.length} while down); slowest fault ${slowest} ms; ${all.length} retried: one ticket each`);
  }, 120_000);
});
