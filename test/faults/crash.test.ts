import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnServe, type ServeProcess } from '../support/load.js';
import { expectNothingLost, expectOnlyCutCalls, startDepositFixture, startDepositLoad, type DepositFixture } from '../support/depositLoad.js';

// Issue #8, crash: kill -9 of `esav serve` (primary and workers) during a deposit load.
const OP = '552081317';
const PRESTATION = 'ETH-CRASH-1';
const LANES = 6;

let fx: DepositFixture;
const serves: ServeProcess[] = [];

beforeAll(async () => {
  fx = await startDepositFixture(OP, PRESTATION);
});

afterAll(async () => {
  for (const s of serves) await s.stop().catch(() => undefined);
  await fx?.close();
});

describe('kill -9 during a deposit load', () => {
  it('every acknowledged reference survives with its content; retries by referenceExterne never make a second ticket', async () => {
    const env = { ...fx.t.env, ESAV_WORKERS: '2', ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' };
    const first = await spawnServe(env, 2);
    serves.push(first);
    const url = `https://localhost:${first.port}/ws/signalisation/v1`;

    // Several clients, each recording every reference it was answered.
    const load = startDepositLoad(url, fx.creds, LANES, 'CRASH', fx.depositOf);
    const { sent, acknowledged, failures } = load;
    // Kill once the load is well under way (bounded: at most 10 s of load).
    await load.underWay();
    const inFlightAtKill = sent.length - acknowledged.size - failures.length;
    // Lanes send nothing new from now on; the calls in flight are cut by the kill.
    const stopped = load.stop();
    await first.kill9();
    await stopped;
    expect(first.alive()).toBe(false);
    expect(acknowledged.size).toBeGreaterThan(0);
    // Before the kill every call was answered: failures are only the calls the kill cut.
    expectOnlyCutCalls(load, LANES);

    // Restart on the same database and certificates.
    const second = await spawnServe(env, 2);
    serves.push(second);
    const url2 = `https://localhost:${second.port}/ws/signalisation/v1`;

    // Every acknowledged reference exists, with the content that was sent; clients retry
    // everything they sent (answered or cut) with the same referenceExterne and get their ticket;
    // one ticket (and one deposit event) per external reference, nothing else.
    await expectNothingLost(fx, url2, load);

    console.log(`crash: ${sent.length} deposits sent, ${acknowledged.size} acknowledged before kill -9, ${inFlightAtKill} in flight at the kill, ${failures.length} cut; all ${sent.length} retried after restart: one ticket each`);
  }, 120_000);
});
