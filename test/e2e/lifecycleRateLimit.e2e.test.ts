import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, spawnGateway } from '../support/cli.js';
import { envelope, parseSoap, soapPost, V1 } from '../support/http.js';

// Article 7: a per-operator limit holds across two gateway processes sharing PostgreSQL.
const OP = '732829320';
const OTHER = '443061841';
let t: TestGateway;
let child: ChildProcess | undefined;
let childPort = 0;
let creds: ClientCreds;
let other: ClientCreds;
let db: pg.Pool;

const call = (port: number, c: ClientCreds) =>
  soapPost(`https://localhost:${port}/ws/signalisation/v1`, c,
    envelope(`<s:consulterEtatSignalisation xmlns:s="${V1}"><s:referenceSignalisation>S26-0000-0000-0</s:referenceSignalisation></s:consulterEtatSignalisation>`),
    `${V1}#consulterEtatSignalisation`);

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  other = t.issue(OTHER, 'esav');
  const g = await spawnGateway({ ...t.env, ESAV_WORKERS: '1', ESAV_MAINTENANCE_NIGHTLY: 'off' });
  child = g.child;
  childPort = g.port;
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await db?.end();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await t?.close();
});

describe('rate limit across two processes', () => {
  it('esav ratelimit set refuses an effective date not announced the day before', () => {
    const r = esav(t.env, 'ratelimit', 'set', '--operator', OP, '--per-minute', '10', '--from', new Date().toISOString());
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the day before/);
  });

  it('holds the per-minute count over both gateways, concurrently; other operators pay nothing', async () => {
    // In force since yesterday (the command's notice rule is tested with a pinned clock).
    await db.query(`INSERT INTO rate_limits (siren, per_minute, effective_from) VALUES ($1, 12, now() - interval '1 day')`, [OP]);
    await t.gw.guards.rateLimiter.refresh();
    // The child follows the NOTIFY; give it a moment, then stay clear of a minute boundary.
    await new Promise((r) => setTimeout(r, 1500));
    const s = new Date().getUTCSeconds();
    if (s > 40) await new Promise((r) => setTimeout(r, (61 - s) * 1000));
    const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => call(i % 2 ? t.gw.port : childPort, creds)));
    const codes = replies.map((r) => parseSoap(r.body).fault?.code);
    const limited = replies.filter((_, i) => codes[i] === 'LIMITE_DEBIT_DEPASSEE');
    expect(codes.filter((c) => c !== 'LIMITE_DEBIT_DEPASSEE')).toHaveLength(12);
    expect(limited).toHaveLength(28);
    expect(parseSoap(limited[0]!.body).fault).toMatchObject({ faultcode: 'soap:Client' });
    expect(parseSoap(limited[0]!.body).fault!.message).toMatch(/Limite de 12 requêtes par minute.*réessayez à partir de/);
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
    // both processes refused some
    expect(new Set(replies.map((r, i) => (codes[i] === 'LIMITE_DEBIT_DEPASSEE' ? i % 2 : -1)).filter((x) => x >= 0)).size).toBe(2);
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 ? t.gw.port : childPort, other)));
    expect(others.map((r) => parseSoap(r.body).fault?.code)).not.toContain('LIMITE_DEBIT_DEPASSEE');
    expect((await db.query('SELECT count(*)::int AS n FROM rate_counters WHERE siren = $1', [OTHER])).rows[0].n).toBe(0);
  });
});
