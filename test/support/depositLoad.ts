import type pg from 'pg';
import { expect } from '@jest/globals';
import type { ClientCreds } from './gateway.js';
import { parseSoap, V1 } from './http.js';
import { keepAliveAgent, mapLimit, timedSoapPost } from './load.js';

// A deposit load that fault tests run against esav serve while they break something: each lane
// is a client with one keep-alive connection that records every reference it was answered.

const ACTION = `${V1}#deposerSignalisation`;

export interface DepositLoad {
  /** External references sent, in order (answered or not). */
  sent: string[];
  /** External reference -> the ticket reference the gateway answered. */
  acknowledged: Map<string, string>;
  /** Calls not answered with a ticket: "<ext>: <error or status and body>". */
  failures: string[];
  /** Lanes send nothing new from now on; resolves when the calls in flight have ended. */
  stop(): Promise<void>;
}

export function startDepositLoad(url: string, creds: ClientCreds, lanes: number, prefix: string, depositOf: (ext: string) => string): DepositLoad {
  const load: DepositLoad = { sent: [], acknowledged: new Map(), failures: [], stop: async () => undefined };
  let stopped = false;
  const running = Array.from({ length: lanes }, async (_, lane) => {
    // One connection per lane; after a cut, the agent opens a new one.
    const agent = keepAliveAgent(creds, 1);
    try {
      for (let i = 0; !stopped && i < 5000; i++) {
        const ext = `${prefix}-${lane}-${i}`;
        load.sent.push(ext);
        const r = await timedSoapPost(url, creds, depositOf(ext), ACTION, { agent, timeoutMs: 15_000 });
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

/** Every acknowledged reference exists, with the content that was sent for it. */
export async function expectAcknowledgedKept(db: pg.Pool, operator: string, prestation: string, acknowledged: Map<string, string>, contentOf: (ext: string) => string): Promise<void> {
  const rows = (await db.query('SELECT reference, external_ref, comment, prestation_id FROM tickets WHERE operator_siren = $1', [operator])).rows as Array<{ reference: string; external_ref: string; comment: string; prestation_id: string }>;
  const byRef = new Map(rows.map((r) => [r.reference, r]));
  for (const [ext, ref] of acknowledged) expect(byRef.get(ref)).toEqual({ reference: ref, external_ref: ext, comment: contentOf(ext), prestation_id: prestation });
}

/** Clients retry everything they sent with the same referenceExterne: each is answered; returns ext -> reference. */
export async function retryAll(url: string, creds: ClientCreds, sent: string[], depositOf: (ext: string) => string): Promise<Map<string, string>> {
  const agent = keepAliveAgent(creds, 6);
  const retries = await mapLimit(sent, 6, (ext) => timedSoapPost(url, creds, depositOf(ext), ACTION, { agent, timeoutMs: 15_000 }));
  agent.destroy();
  const retried = new Map<string, string>();
  retries.forEach((r, i) => {
    expect(r.status).toBe(200);
    retried.set(sent[i]!, parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation as string);
  });
  return retried;
}

/** One ticket and one deposit event per external reference sent, nothing else; the retries got those tickets. */
export async function expectOneTicketEach(db: pg.Pool, operator: string, sent: string[], retried: Map<string, string>): Promise<void> {
  const counts = (await db.query(
    `SELECT t.external_ref, t.reference, count(DISTINCT t.id)::int AS tickets, count(e.*)::int AS events
       FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id
      WHERE t.operator_siren = $1 GROUP BY t.external_ref, t.reference`,
    [operator],
  )).rows as Array<{ external_ref: string; reference: string; tickets: number; events: number }>;
  expect(counts.length).toBe(new Set(sent).size);
  for (const c of counts) expect([c.external_ref, c.tickets, c.events, c.reference]).toEqual([c.external_ref, 1, 1, retried.get(c.external_ref)]);
}
