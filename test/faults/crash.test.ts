import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, V1 } from '../support/http.js';
import { sleep, spawnServe, type ServeProcess } from '../support/load.js';
import { expectAcknowledgedKept, expectOneTicketEach, retryAll, startDepositLoad } from '../support/depositLoad.js';

// Issue #8, crash: kill -9 of `esav serve` (primary and workers) during a deposit load.
const OP = '552081317';
const PRESTATION = 'ETH-CRASH-1';
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
    const load = startDepositLoad(url, creds, LANES, 'CRASH', depositOf);
    const { sent, acknowledged, failures } = load;
    // Kill once the load is well under way (bounded: at most 10 s of load).
    const started = Date.now();
    while (Date.now() - started < 10_000 && (acknowledged.size < 60 || Date.now() - started < 1500)) await sleep(50);
    const inFlightAtKill = sent.length - acknowledged.size - failures.length;
    // Lanes send nothing new from now on; the calls in flight are cut by the kill.
    const stopped = load.stop();
    await first.kill9();
    await stopped;
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
    await expectAcknowledgedKept(db, OP, PRESTATION, acknowledged, contentOf);
    // 2. Clients retry everything they sent (answered or cut) with the same referenceExterne.
    const retried = await retryAll(url2, creds, sent, depositOf);
    for (const [ext, ref] of acknowledged) expect(retried.get(ext)).toBe(ref);
    // 3. One ticket (and one deposit event) per external reference, nothing else.
    await expectOneTicketEach(db, OP, sent, retried);

    console.log(`crash: ${sent.length} deposits sent, ${acknowledged.size} acknowledged before kill -9, ${inFlightAtKill} in flight at the kill, ${failures.length} cut; all ${sent.length} retried after restart: one ticket each`);
  }, 120_000);
});
