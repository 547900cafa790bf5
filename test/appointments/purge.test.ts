import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { purgeUnconfirmed, REPAIR_UNLINKED_SQL } from '../../src/domain/appointments/repo.js';

// The night purge finds the ticket of an appointment still CREE (a crash between the deposit
// and the link) through the partial index tickets_appointment, not by reading every ticket.
const OP = '552100554';
const FILLER = 20_000;
let tdb: TestDatabase;
let pool: Pool;

const reserved = new Date('2026-12-01T14:00:00Z');
const cutoff = new Date('2026-12-01T23:00:00Z');
const at = new Date('2026-12-01T23:05:00Z');

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 2, 20_000);
  await migrate(pool);
  await pool.query(`INSERT INTO operators (siren, name) VALUES ($1, 'Un')`, [OP]);
  await pool.query(`INSERT INTO prestations (prestation_id, operator_siren, offer_code) VALUES ('P-FTTH-1', $1, 'FTTH_ACCES')`, [OP]);
  const tech = await pool.query(`INSERT INTO technicians (name, zones, intervention_types) VALUES ('T1', ARRAY['75056'], ARRAY['S']) RETURNING id`);
  for (const [id, hour] of [['RDV-LINKED-LATE', 9], ['RDV-ALONE', 11]] as const) {
    await pool.query(
      `INSERT INTO appointments (id, operator_siren, technician_id, code_insee, intervention_type, nature_produit, segment, starts_at, ends_at, status, reserved_at, updated_at)
       VALUES ($1, $2, $3, '75056', 'S', 'FTTH', 'GP', $4, $4::timestamptz + interval '2 hours', 'CREE', $5, $5)`,
      [id, OP, tech.rows[0].id, new Date(`2026-12-03T${String(hour).padStart(2, '0')}:00:00Z`), reserved],
    );
  }
  // Tickets deposited without an appointment (the many), and the one whose link was never written.
  await pool.query(
    `INSERT INTO tickets (reference, operator_siren, prestation_id, offer_code, service_version, state, state_since, fault_code, fault_label,
                          request_hash, deposited_at, last_interaction_at, details)
     SELECT 'F-' || g, $1, 'P-FTTH-1', 'FTTH_ACCES', 'v1', 'EN_DEPOT', $2, 'COUPURE', 'Coupure', 'h', $2, $2, jsonb_build_object('commentaire', 'n' || g)
       FROM generate_series(1, ${FILLER}) g`,
    [OP, reserved],
  );
  await pool.query(
    `INSERT INTO tickets (reference, operator_siren, prestation_id, offer_code, service_version, state, state_since, fault_code, fault_label,
                          request_hash, deposited_at, last_interaction_at, details)
     VALUES ('S26-LATE-0000-1', $1, 'P-FTTH-1', 'FTTH_ACCES', 'v1', 'EN_DEPOT', $2, 'COUPURE', 'Coupure', 'h', $2, $2, '{"idRendezVous": "RDV-LINKED-LATE"}')`,
    [OP, reserved],
  );
  await pool.query('ANALYZE tickets');
  await pool.query('ANALYZE appointments');
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

/** The names of the relations the plan reads, and how. */
function scans(plan: any, out: string[] = []): string[] {
  if (plan['Relation Name'] || plan['Index Name']) out.push(`${plan['Node Type']} ${plan['Relation Name'] ?? ''}${plan['Index Name'] ? ` using ${plan['Index Name']}` : ''}`);
  for (const p of plan.Plans ?? []) scans(p, out);
  return out;
}

describe('night purge', () => {
  it('reads the tickets that name an appointment through tickets_appointment, not every ticket', async () => {
    const r = await pool.query(`EXPLAIN (FORMAT JSON) ${REPAIR_UNLINKED_SQL}`, [at]);
    const read = scans(r.rows[0]['QUERY PLAN'][0].Plan);
    expect(read.filter((s) => / tickets( |$)/.test(s))).toEqual([expect.stringMatching(/^(Bitmap Heap Scan|Index Scan) tickets/)]);
    expect(read.join('\n')).not.toMatch(/Seq Scan tickets/);
    expect(read.join('\n')).toMatch(/ using tickets_appointment/);
    const index = await pool.query(`SELECT count(*)::int AS n FROM tickets WHERE details ? 'idRendezVous'`);
    expect(index.rows[0].n).toBe(1);
  });

  it('confirms the appointment whose ticket was deposited but not linked, cancels the one without, once', async () => {
    const out = await purgeUnconfirmed(pool, cutoff, at);
    expect(out).toEqual({ confirmed: ['RDV-LINKED-LATE'], cancelled: ['RDV-ALONE'] });
    const rows = await pool.query(`SELECT id, status, ticket_reference FROM appointments ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 'RDV-ALONE', status: 'ANNULE', ticket_reference: null },
      { id: 'RDV-LINKED-LATE', status: 'CONFIRME', ticket_reference: 'S26-LATE-0000-1' },
    ]);
    const events = await pool.query(`SELECT appointment_id, action, detail FROM appointment_events ORDER BY appointment_id`);
    expect(events.rows).toEqual([
      { appointment_id: 'RDV-ALONE', action: 'ANNULATION', detail: { motif: 'purge de nuit' } },
      { appointment_id: 'RDV-LINKED-LATE', action: 'CONFIRMATION', detail: { signalisation: 'S26-LATE-0000-1', par: 'purge' } },
    ]);
    expect(await purgeUnconfirmed(pool, cutoff, at)).toEqual({ confirmed: [], cancelled: [] });
  });
});
