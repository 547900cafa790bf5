import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, parseSoap, V1 } from '../support/http.js';
import { keepAliveAgent, mapLimit, sleep, spawnServe, timedSoapPost, type ServeProcess } from '../support/load.js';

// Issue #8, crash: kill -9 of `esav serve` (primary and workers) during a deposit load.
const OP = '552081317';
const PRESTATION = 'ETH-CRASH-1';
const ACTION = `${V1}#deposerSignalisation`;
const LANES = 6;

let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
const serves: ServeProcess[] = [];

const contentOf = (ext: string) => `Panne ${ext} ; contenu propre à ce dépôt`;
const depositOf = (ext: string) => depositXml(V1, PRESTATION, { ext, comment: contentOf(ext) });

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', PRESTATION, '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url, max: 2 });
});

afterAll(async () => {
  for (const s of serves) await s.stop().catch(() => undefined);
  await db?.end();
  await t?.close();
});

describe('kill -9 during a deposit load', () => {
  it('every acknowledged reference survives with its content; retries by referenceExterne never make a second ticket', async () => {
    const env = { ...t.env, ESAV_WORKERS: '2', ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' };
    const first = await spawnServe(env, 2);
    serves.push(first);
    const url = `https://localhost:${first.port}/ws/signalisation/v1`;

    // Several clients, each recording every reference it was answered.
    const sent: string[] = [];
    const acknowledged = new Map<string, string>();
    const failures: string[] = [];
    let killed = false;
    const lanes = Array.from({ length: LANES }, async (_, lane) => {
      const agent = keepAliveAgent(creds, 1);
      try {
        for (let i = 0; !killed && i < 2000; i++) {
          const ext = `CRASH-${lane}-${i}`;
          sent.push(ext);
          const r = await timedSoapPost(url, creds, depositOf(ext), ACTION, { agent, timeoutMs: 15_000 });
          if (r.status === 200) acknowledged.set(ext, parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string);
          else failures.push(`${ext}: ${r.error ?? `${r.status} ${r.body?.slice(0, 200)}`}`);
        }
      } finally {
        agent.destroy();
      }
    });
    // Kill once the load is well under way (bounded: at most 10 s of load).
    const started = Date.now();
    while (Date.now() - started < 10_000 && (acknowledged.size < 60 || Date.now() - started < 1500)) await sleep(50);
    const inFlightAtKill = sent.length - acknowledged.size - failures.length;
    // Lanes send nothing new from now on; the calls in flight are cut by the kill.
    killed = true;
    await first.kill9();
    await Promise.all(lanes);
    expect(first.alive()).toBe(false);
    expect(acknowledged.size).toBeGreaterThan(0);
    // Before the kill every call was answered: failures are only the calls the kill cut.
    expect(failures.length <= LANES ? 'ok' : failures.join('\n')).toBe('ok');
    for (const f of failures) expect(f).not.toMatch(/: (200|500) /);

    // Restart on the same database and certificates.
    const second = await spawnServe(env, 2);
    serves.push(second);
    const url2 = `https://localhost:${second.port}/ws/signalisation/v1`;

    // 1. Every acknowledged reference exists, with the content that was sent.
    const rows = (await db.query('SELECT reference, external_ref, comment, prestation_id FROM tickets WHERE operator_siren = $1', [OP])).rows as Array<{ reference: string; external_ref: string; comment: string; prestation_id: string }>;
    const byRef = new Map(rows.map((r) => [r.reference, r]));
    for (const [ext, ref] of acknowledged) {
      const row = byRef.get(ref);
      expect(row).toEqual({ reference: ref, external_ref: ext, comment: contentOf(ext), prestation_id: PRESTATION });
    }

    // 2. Clients retry everything they sent (answered or cut) with the same referenceExterne.
    const agent = keepAliveAgent(creds, 6);
    const retries = await mapLimit(sent, 6, (ext) => timedSoapPost(url2, creds, depositOf(ext), ACTION, { agent, timeoutMs: 15_000 }));
    agent.destroy();
    const retried = new Map<string, string>();
    retries.forEach((r, i) => {
      expect(r.status).toBe(200);
      retried.set(sent[i]!, parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string);
    });
    for (const [ext, ref] of acknowledged) expect(retried.get(ext)).toBe(ref);

    // 3. One ticket (and one deposit event) per external reference, nothing else.
    const counts = (await db.query(
      `SELECT t.external_ref, count(DISTINCT t.id)::int AS tickets, count(e.*)::int AS events
         FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id
        WHERE t.operator_siren = $1 GROUP BY t.external_ref`,
      [OP],
    )).rows as Array<{ external_ref: string; tickets: number; events: number }>;
    expect(counts.length).toBe(new Set(sent).size);
    for (const c of counts) expect([c.external_ref, c.tickets, c.events]).toEqual([c.external_ref, 1, 1]);
    const refsNow = (await db.query('SELECT external_ref, reference FROM tickets WHERE operator_siren = $1', [OP])).rows;
    for (const r of refsNow) expect(retried.get(r.external_ref)).toBe(r.reference);

    console.log(`crash: ${sent.length} deposits sent, ${acknowledged.size} acknowledged before kill -9, ${inFlightAtKill} in flight at the kill, ${failures.length} cut; all ${sent.length} retried after restart: one ticket each`);
  }, 120_000);
});
