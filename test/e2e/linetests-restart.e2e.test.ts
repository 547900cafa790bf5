import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk, spawnGateway } from '../support/cli.js';
import { envelope, parseSoap, soapPost } from '../support/http.js';

const TEST_NS = 'urn:fr:esav:test:v1';
const OP = '519587851';
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let child: ChildProcess | undefined;

// The element answers in 3 s (dataset rule "-LENT"); a test still running 6 s after launch is past
// its deadline.
const env = () => ({ ...t.env, ESAV_WORKERS: '1', ESAV_TEST_DEADLINE_MS: '6000', ESAV_NETWORK_TIMEOUT_MS: '4000' });

async function call(port: number, op: string, inner: string) {
  const r = await soapPost(`https://localhost:${port}/ws/test/v1`, creds, envelope(`<t:${op} xmlns:t="${TEST_NS}">${inner}</t:${op}>`), `${TEST_NS}#${op}`);
  return parseSoap(r.body);
}

async function stop(c: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill(signal);
  await exited;
}

beforeAll(async () => {
  t = await startTestGateway();
  // Only child gateways may run the job queue here: the in-process one would run the test itself.
  await t.gw.close();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-RST-LENT', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await stop(child, 'SIGTERM');
  await db?.end();
  await t?.db.drop();
  if (t) rmSync(t.dir, { recursive: true, force: true });
});

describe('a gateway killed mid-test', () => {
  it('leaves the test EN_COURS only until its deadline: after a restart it ends in ECHEC, never stuck', async () => {
    const first = await spawnGateway(env());
    child = first.child;
    const launched = await call(first.port, 'lancerTest', '<t:identifiantPrestation>ETH-RST-LENT</t:identifiantPrestation><t:typeTest>ETAT_SERVICE</t:typeTest>');
    const id = launched.payload!.lancerTestReponse.idTest as string;

    // Wait until the network call is under way, then kill -9: no graceful anything.
    for (let i = 0; i < 200; i++) {
      const r = (await db.query('SELECT started_at FROM line_tests WHERE id = $1', [id])).rows[0];
      if (r.started_at) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    await stop(first.child, 'SIGKILL');
    const row = (await db.query('SELECT state, started_at FROM line_tests WHERE id = $1', [id])).rows[0];
    expect(row.state).toBe('EN_COURS');
    expect(row.started_at).not.toBeNull();

    const second = await spawnGateway(env());
    child = second.child;
    let result: Record<string, any> | undefined;
    for (let i = 0; i < 600; i++) {
      result = (await call(second.port, 'consulterResultatTest', `<t:idTest>${id}</t:idTest>`)).payload!.consulterResultatTestReponse;
      if (result!.etat !== 'EN_COURS') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(result).toMatchObject({ idTest: id, etat: 'ECHEC', erreur: { code: 'TEST_INTERROMPU' } });
    expect(result!.dateFin).toBeDefined();

    // The restarted gateway still runs new tests to the end.
    const again = await call(second.port, 'lancerTest', '<t:identifiantPrestation>ETH-RST-LENT</t:identifiantPrestation><t:typeTest>ETAT_SESSION</t:typeTest>');
    const id2 = again.payload!.lancerTestReponse.idTest as string;
    let r2: Record<string, any> | undefined;
    for (let i = 0; i < 600; i++) {
      r2 = (await call(second.port, 'consulterResultatTest', `<t:idTest>${id2}</t:idTest>`)).payload!.consulterResultatTestReponse;
      if (r2!.etat !== 'EN_COURS') break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(r2).toMatchObject({ etat: 'TERMINE', verdict: 'OK' });
  });
});
