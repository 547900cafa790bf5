import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk, spawnGateway } from '../support/cli.js';
import { depositXml, parseSoap, soapPost, V1 } from '../support/http.js';

const OP = '542065479';
let t: TestGateway;
let creds: ClientCreds;
let second: { child: ChildProcess; port: number };
let db: pg.Pool;

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-IDEM', '--offer', 'ETH_ENTREPRISE');
  // A second gateway process on the same database and PKI.
  second = await spawnGateway(t.env);
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  if (second) {
    const exited = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await exited;
  }
  await db?.end();
  await t?.close();
});

describe('referenceExterne makes deposits idempotent across connections and processes', () => {
  it('60 concurrent retries over two gateway processes make exactly one ticket, all answered with it', async () => {
    const ports = [t.gw.port, second.port];
    const xml = depositXml(V1, 'ETH-IDEM', { ext: 'RETRY-STORM-1' });
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        // agent undefined -> a new TLS connection for each request
        soapPost(`https://localhost:${ports[i % 2]}/ws/signalisation/v1`, creds, xml, `${V1}#deposerSignalisation`),
      ),
    );
    const refs = replies.map((r) => {
      expect(r.status).toBe(200);
      return parseSoap(r.body).payload!.deposerSignalisationReponse.referenceSignalisation as string;
    });
    expect(new Set(refs).size).toBe(1);
    const rows = (await db.query("SELECT reference FROM tickets WHERE operator_siren = $1 AND external_ref = 'RETRY-STORM-1'", [OP])).rows;
    expect(rows).toEqual([{ reference: refs[0] }]);
    const events = (await db.query('SELECT count(*)::int AS n FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.external_ref = $1', ['RETRY-STORM-1'])).rows[0].n;
    expect(events).toBe(1);
  });

  it('concurrent retries with different payloads: one ticket, the others refused with REFERENCE_EXTERNE_CONFLIT', async () => {
    const ports = [t.gw.port, second.port];
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        soapPost(`https://localhost:${ports[i % 2]}/ws/signalisation/v1`, creds, depositXml(V1, 'ETH-IDEM', { ext: 'RETRY-CONFLICT', comment: `variante ${i % 2}` }), `${V1}#deposerSignalisation`),
      ),
    );
    const parsed = replies.map((r) => parseSoap(r.body));
    const ok = parsed.filter((p) => p.payload);
    const conflicts = parsed.filter((p) => p.fault?.code === 'REFERENCE_EXTERNE_CONFLIT');
    expect(ok.length + conflicts.length).toBe(20);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((p) => p.payload!.deposerSignalisationReponse.referenceSignalisation)).size).toBe(1);
    expect((await db.query("SELECT count(*)::int AS n FROM tickets WHERE external_ref = 'RETRY-CONFLICT'")).rows[0].n).toBe(1);
  });
});
