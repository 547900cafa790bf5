/**
 * The deposit's SQL alone, without HTTP, TLS or XML: how much PostgreSQL CPU one deposit costs
 * today and with two candidate changes (not part of `npm run bench`; evidence for BENCHMARKS.md).
 *   npx tsc -p tsconfig.json && node dist/bench/db-loop.js      (BENCH_SECONDS, default 5)
 * Starts its own embedded PostgreSQL in a temp folder (DATABASE_URL is ignored) and removes it.
 *   A  today's repo functions: findOwnPrestation + insertTicket, two unnamed statements
 *   B  the same two statements, named (prepared once per connection)
 *   C  one named statement: the prestation lookup inside the insert CTE
 * The SQL of B and C is copied from src/domain/tickets/repo.ts (as of this file's writing). In C the
 * offer code ($4) filters the lookup only so that every parameter is typed; a real version would
 * take the offer from the lookup and tell "no prestation" from "wrong scope" by what it returns.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { insertOperator, insertPrestation } from '../src/domain/operators/repo.js';
import { findOwnPrestation, insertTicket } from '../src/domain/tickets/repo.js';
import { newReference } from '../src/domain/tickets/reference.js';
import { sampleTree } from './procstat.js';

const SIREN = '552100554';
const PRESTATION = 'ETH-BENCH-1';
const FIND = `SELECT p.prestation_id, p.operator_siren, p.offer_code, o.ftth
       FROM prestations p JOIN offers o ON o.code = p.offer_code
      WHERE p.prestation_id = $1 AND p.operator_siren = $2`;
const TICKET_AND_EVENT = `t AS (
       INSERT INTO tickets (reference, operator_siren, prestation_id, offer_code, service_version, state, state_since,
                            fault_code, fault_label, comment, external_ref, request_hash, deposited_at, last_interaction_at, details)
       %VALUES%
       ON CONFLICT (operator_siren, external_ref) DO NOTHING
       RETURNING id, reference, state, deposited_at, request_hash
     ), e AS (
       INSERT INTO ticket_events (ticket_id, at, from_state, to_state, actor, comment)
       SELECT id, $12, NULL, 'EN_DEPOT', $13, 'Dépôt de la signalisation' FROM t
     )
     SELECT reference, state, deposited_at, request_hash FROM t`;
const INSERT = `WITH ${TICKET_AND_EVENT.replace('%VALUES%', "VALUES ($1, $2, $3, $4, $5, 'EN_DEPOT', $12, $6, $7, $8, $9, $10, $12, $12, $11)")}`;
const ONE = `WITH p AS (
       SELECT p.prestation_id, p.offer_code, o.ftth FROM prestations p JOIN offers o ON o.code = p.offer_code
        WHERE p.prestation_id = $3 AND p.operator_siren = $2 AND p.offer_code = $4
     ), ${TICKET_AND_EVENT.replace('%VALUES%', "SELECT $1, $2, p.prestation_id, p.offer_code, $5, 'EN_DEPOT', $12, $6, $7, $8, $9, $10, $12, $12, $11 FROM p WHERE NOT p.ftth")}`;

function params(at: Date): unknown[] {
  return [newReference(at), SIREN, PRESTATION, 'ETH_ENTREPRISE', 'v1', 'COUPURE', 'Coupure totale du service', null, null, 'hash', '{}', at, `operateur:${SIREN}`];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS || 5);
  const dir = mkdtempSync(join(os.tmpdir(), 'esav-dbloop-'));
  chmodSync(dir, 0o755);
  const config = { ...loadConfig({ ESAV_DATA_DIR: join(dir, 'data'), ESAV_PG_PORT: String(await freePort()) }), databaseUrl: undefined };
  const db = await openDatabase(config);
  try {
    const pool = db.pool;
    await insertOperator(pool, SIREN, 'Bench');
    await insertPrestation(pool, { prestationId: PRESTATION, siren: SIREN, offerCode: 'ETH_ENTREPRISE' });
    const variants: Record<string, () => Promise<void>> = {
      'A today: 2 unnamed statements': async () => {
        const p = (await findOwnPrestation(pool, SIREN, PRESTATION))!;
        const at = new Date();
        await insertTicket(pool, {
          reference: newReference(at), siren: SIREN, prestationId: p.prestationId, offerCode: p.offerCode, serviceVersion: 'v1',
          faultCode: 'COUPURE', faultLabel: 'Coupure totale du service', requestHash: 'hash', details: {}, at, actor: `operateur:${SIREN}`,
        });
      },
      'B 2 named statements': async () => {
        await pool.query({ name: 'bench-find', text: FIND, values: [PRESTATION, SIREN] });
        await pool.query({ name: 'bench-insert', text: INSERT, values: params(new Date()) });
      },
      'C 1 named statement (lookup in the CTE)': async () => {
        const r = await pool.query({ name: 'bench-one', text: ONE, values: params(new Date()) });
        if (r.rowCount !== 1) throw new Error('variant C inserted nothing');
      },
    };
    console.log(`16 concurrent clients, 1.5 s warm-up + ${seconds} s per variant, fsync and synchronous_commit on`);
    for (const [name, fn] of Object.entries(variants)) {
      const warm = performance.now() + 1500;
      await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < warm) await fn(); }));
      const pg0 = sampleTree(process.pid).descendants ?? NaN;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let n = 0;
      await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < end) { await fn(); n++; } }));
      const wall = performance.now() - t0;
      const pgMs = (sampleTree(process.pid).descendants ?? NaN) - pg0;
      const cpu = process.cpuUsage(cpu0);
      console.log(
        `${name.padEnd(42)} ${((n / wall) * 1000).toFixed(0).padStart(6)} deposits/s   PostgreSQL ${(pgMs / n).toFixed(3)} ms CPU/deposit   Node ${((cpu.user + cpu.system) / 1000 / n).toFixed(3)} ms CPU/deposit`,
      );
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`db-loop: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
