import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mapLimit, sleep, spawnServe, timedSoapPost, type ServeProcess } from '../support/load.js';
import { DEPOSIT_ACTION, expectNothingLost, expectOnlyCutCalls, startDepositFixture, startDepositLoad, type DepositFixture } from '../support/depositLoad.js';

// Issue #8 with ESAV_WORKERS=2: kill -9 of the process the first one forked, under a deposit load.
// The first process (which holds the port) goes on serving; the dead one is replaced and gets
// connections again; nothing acknowledged is lost, retries make no second ticket.
const OP = '552081325';
const PRESTATION = 'ETH-DEATH-1';
const LANES = 6;

let fx: DepositFixture;
let serve: ServeProcess | undefined;

const listeningPids = () =>
  serve!.logs.filter((l) => l.includes('e-SAV gateway listening')).map((l) => (JSON.parse(l) as { pid: number }).pid);
const answeredBy = () => new Set(serve!.logs.filter((l) => l.includes('"msg":"soap"')).map((l) => (JSON.parse(l) as { pid: number }).pid));

beforeAll(async () => {
  fx = await startDepositFixture(OP, PRESTATION);
});

afterAll(async () => {
  await serve?.stop().catch(() => undefined);
  await fx?.close();
});

describe('kill -9 of a forked gateway process during a deposit load', () => {
  it('the first process goes on, the dead one is replaced and serves again, nothing acknowledged is lost', async () => {
    serve = await spawnServe({ ...fx.t.env, ESAV_WORKERS: '2', ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' }, 2);
    const first = serve.child.pid!;
    const forked = listeningPids().find((p) => p !== first)!;
    expect(forked).toBeDefined();
    const url = `https://localhost:${serve.port}/ws/signalisation/v1`;

    const load = startDepositLoad(url, fx.creds, LANES, 'DEATH', fx.depositOf);
    const { sent, acknowledged, failures } = load;
    await load.underWay();
    // Both processes were answering before the kill (else the kill would prove nothing).
    expect([...answeredBy()].sort()).toEqual([first, forked].sort());
    const acknowledgedAtKill = acknowledged.size;
    process.kill(forked, 'SIGKILL');

    // The first process replaces it; the load goes on meanwhile.
    let replacement: number | undefined;
    for (let i = 0; i < 300 && replacement === undefined; i++) {
      await sleep(100);
      replacement = listeningPids().find((p) => p !== first && p !== forked);
    }
    expect(replacement).toBeDefined();
    await sleep(500);
    await load.stop();
    expect(serve.alive()).toBe(true);
    expect(serve.logs.some((l) => l.includes('gateway process died; starting a new one') && l.includes(String(forked)))).toBe(true);
    // Deposits were answered after the kill too, and only calls in flight on the killed process failed.
    expect(acknowledged.size).toBeGreaterThan(acknowledgedAtKill);
    expectOnlyCutCalls(load, LANES);

    // New connections reach the replacement too (the dispatcher takes turns between both).
    const probes = await mapLimit(Array.from({ length: 6 }, (_, i) => `DEATH-PROBE-${i}`), 1, (ext) => {
      sent.push(ext);
      return timedSoapPost(url, fx.creds, fx.depositOf(ext), DEPOSIT_ACTION, { agent: false, timeoutMs: 15_000 });
    });
    for (const r of probes) expect(r.status).toBe(200);
    for (let i = 0; i < 50 && !answeredBy().has(replacement!); i++) await sleep(100);
    expect(answeredBy().has(replacement!)).toBe(true);

    // Every acknowledged reference exists with its content; retries by referenceExterne get it back, one ticket each.
    await expectNothingLost(fx, url, load);

    console.log(`process death: ${sent.length} deposits sent, ${acknowledgedAtKill} acknowledged at the kill, ${acknowledged.size} in all, ${failures.length} cut; replacement pid ${replacement} served; all retried: one ticket each`);
  }, 120_000);
});
