import pg from 'pg';
import { expect } from '@jest/globals';
import { startTestGateway, type ClientCreds, type TestGateway } from './gateway.js';
import { esavOk } from './cli.js';
import { depositXml, parseSoap, V1 } from './http.js';
import { keepAliveAgent, mapLimit, sleep, timedSoapPost } from './load.js';

// A deposit load that fault tests run against esav serve while they break something: each lane
// is a client with one keep-alive connection that records every reference it was answered.

export const DEPOSIT_ACTION = `${V1}#deposerSignalisation`;

/** The comment of the load's deposit `ext`: its own, so the content kept can be checked after the fault. */
export const contentOf = (ext: string) => `Panne ${ext} ; contenu propre à ce dépôt`;

/** What a fault test needs around the load: a gateway's database and PKI, the operator's certificate and prestation. */
export interface DepositFixture {
  t: TestGateway;
  creds: ClientCreds;
  db: pg.Pool;
  operator: string;
  prestation: string;
  /** The deposit sent for external reference `ext`. */
  depositOf(ext: string): string;
  close(): Promise<void>;
}

export async function startDepositFixture(operator: string, prestation: string): Promise<DepositFixture> {
  const t = await startTestGateway();
  const creds = t.issue(operator, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', operator, '--id', prestation, '--offer', 'ETH_ENTREPRISE');
  const db = new pg.Pool({ connectionString: t.db.url, max: 2 });
  return {
    t,
    creds,
    db,
    operator,
    prestation,
    depositOf: (ext) => depositXml(V1, prestation, { ext, comment: contentOf(ext) }),
    async close() {
      await db.end();
      await t.close();
    },
  };
}

export interface DepositLoad {
  /** External references sent, in order (answered or not). */
  sent: string[];
  /** External reference -> the ticket reference the gateway answered. */
  acknowledged: Map<string, string>;
  /** Calls not answered with a ticket: "<ext>: <error or status and body>". */
  failures: string[];
  /** Lanes send nothing new from now on; resolves when the calls in flight have ended. */
  stop(): Promise<void>;
  /** Resolves once the load is well under way: 60 acknowledged and 1.5 s, or 10 s at most. */
  underWay(): Promise<void>;
}

export function startDepositLoad(url: string, creds: ClientCreds, lanes: number, prefix: string, depositOf: (ext: string) => string): DepositLoad {
  const started = Date.now();
  const load: DepositLoad = {
    sent: [],
    acknowledged: new Map(),
    failures: [],
    stop: async () => undefined,
    async underWay() {
      while (Date.now() - started < 10_000 && (load.acknowledged.size < 60 || Date.now() - started < 1500)) await sleep(50);
    },
  };
  let stopped = false;
  const running = Array.from({ length: lanes }, async (_, lane) => {
    // One connection per lane; after a cut, the agent opens a new one.
    const agent = keepAliveAgent(creds, 1);
    try {
      for (let i = 0; !stopped && i < 5000; i++) {
        const ext = `${prefix}-${lane}-${i}`;
        load.sent.push(ext);
        const r = await timedSoapPost(url, creds, depositOf(ext), DEPOSIT_ACTION, { agent, timeoutMs: 15_000 });
        if (r.status === 200) load.acknowledged.set(ext, parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string);
        else load.failures.push(`${ext}: ${r.error ?? `${r.status} ${r.body?.slice(0, 200)}`}`);
      }
    } finally {
      agent.destroy();
    }
  });
  load.stop = async () => {
    stopped = true;
    await Promise.all(running);
  };
  return load;
}

/** The calls that failed are only those a fault cut (at most one in flight per lane), never a 200 or a 500. */
export function expectOnlyCutCalls(load: DepositLoad, lanes: number): void {
  expect(load.failures.length <= lanes ? 'ok' : load.failures.join('\n')).toBe('ok');
  for (const f of load.failures) expect(f).not.toMatch(/: (200|500) /);
}

/**
 * After the fault, on a gateway at `url`: every acknowledged reference exists with the content
 * sent for it; clients retry everything they sent (answered or cut) with the same
 * referenceExterne and get the same ticket; one ticket and one deposit event per external
 * reference, nothing else.
 */
export async function expectNothingLost(fx: DepositFixture, url: string, load: Pick<DepositLoad, 'sent' | 'acknowledged'>): Promise<void> {
  await expectAcknowledgedKept(fx.db, fx.operator, fx.prestation, load.acknowledged);
  const retried = await retryAll(url, fx.creds, load.sent, fx.depositOf);
  for (const [ext, ref] of load.acknowledged) expect(retried.get(ext)).toBe(ref);
  await expectOneTicketEach(fx.db, fx.operator, load.sent, retried);
}

/** Every acknowledged reference exists, with the content that was sent for it. */
async function expectAcknowledgedKept(db: pg.Pool, operator: string, prestation: string, acknowledged: Map<string, string>): Promise<void> {
  const rows = (await db.query('SELECT reference, external_ref, comment, prestation_id FROM tickets WHERE operator_siren = $1', [operator])).rows as Array<{ reference: string; external_ref: string; comment: string; prestation_id: string }>;
  const byRef = new Map(rows.map((r) => [r.reference, r]));
  for (const [ext, ref] of acknowledged) expect(byRef.get(ref)).toEqual({ reference: ref, external_ref: ext, comment: contentOf(ext), prestation_id: prestation });
}

/** Clients retry everything they sent with the same referenceExterne: each is answered; returns ext -> reference. */
async function retryAll(url: string, creds: ClientCreds, sent: string[], depositOf: (ext: string) => string): Promise<Map<string, string>> {
  const agent = keepAliveAgent(creds, 6);
  const retries = await mapLimit(sent, 6, (ext) => timedSoapPost(url, creds, depositOf(ext), DEPOSIT_ACTION, { agent, timeoutMs: 15_000 }));
  agent.destroy();
  const retried = new Map<string, string>();
  retries.forEach((r, i) => {
    expect(r.status).toBe(200);
    retried.set(sent[i]!, parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string);
  });
  return retried;
}

/** One ticket and one deposit event per external reference sent, nothing else; the retries got those tickets. */
async function expectOneTicketEach(db: pg.Pool, operator: string, sent: string[], retried: Map<string, string>): Promise<void> {
  const counts = (await db.query(
    `SELECT t.external_ref, t.reference, count(DISTINCT t.id)::int AS tickets, count(e.*)::int AS events
       FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id
      WHERE t.operator_siren = $1 GROUP BY t.external_ref, t.reference`,
    [operator],
  )).rows as Array<{ external_ref: string; reference: string; tickets: number; events: number }>;
  expect(counts.length).toBe(new Set(sent).size);
  for (const c of counts) expect([c.external_ref, c.tickets, c.events, c.reference]).toEqual([c.external_ref, 1, 1, retried.get(c.external_ref)]);
}
