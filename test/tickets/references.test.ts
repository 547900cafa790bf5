import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { insertTickets, type NewTicket } from '../../src/domain/tickets/repo.js';

// Tickets name their operator, prestation and offer without foreign keys (migration 015), and a
// ticket's events name their ticket without one (016): the rows named can never be deleted nor
// change key, so what a ticket or an event names stays there.
const OP = '552100554';
const OTHER = '732829320';
let tdb: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 2, 5000);
  await migrate(pool);
  await pool.query(`INSERT INTO operators (siren, name) VALUES ($1, 'Un'), ($2, 'Deux')`, [OP, OTHER]);
  await pool.query(`INSERT INTO prestations (prestation_id, operator_siren, offer_code) VALUES ('P-REF-1', $1, 'CUIVRE_ACCES')`, [OP]);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

const ticket = (reference: string, prestationId: string, siren = OP): NewTicket => ({
  reference, siren, prestationId, offerCode: 'CUIVRE_ACCES', serviceVersion: 'v1', faultCode: 'COUPURE', faultLabel: 'Coupure',
  requestHash: 'h', details: {}, at: new Date(), actor: 'test',
});

const refused = async (sql: string, params: unknown[] = []) => {
  const err = await pool.query(sql, params).then(() => undefined, (e: { code?: string; message?: string }) => e);
  expect(err?.code).toBe('23001'); // restrict_violation
  return err!;
};

describe('what a ticket names stays valid', () => {
  it('inserts a ticket only for a prestation that exists and is the caller\'s', async () => {
    const ok = ticket('S26-0000-0000-1', 'P-REF-1');
    const missing = ticket('S26-0000-0000-2', 'P-ABSENTE');
    const foreign = ticket('S26-0000-0000-3', 'P-REF-1', OTHER);
    const out = await insertTickets(pool, [ok, missing, foreign]);
    expect(out.get(ok)?.created).toBe(true);
    expect(out.has(missing)).toBe(false);
    expect(out.has(foreign)).toBe(false);
    const n = await pool.query(`SELECT count(*)::int AS n FROM tickets`);
    expect(n.rows[0].n).toBe(1);
  });

  it('refuses to delete or truncate operators, prestations and offers', async () => {
    const e = await refused(`DELETE FROM operators WHERE siren = $1`, [OP]);
    expect(e.message).toMatch(/operators rows are referenced by tickets/);
    await refused(`DELETE FROM prestations WHERE prestation_id = 'P-REF-1'`);
    await refused(`DELETE FROM offers WHERE code = 'CUIVRE_ACCES'`);
    await refused(`TRUNCATE operators CASCADE`);
    await refused(`TRUNCATE prestations CASCADE`);
    await refused(`TRUNCATE offers CASCADE`);
    const left = await pool.query(`SELECT (SELECT count(*) FROM operators)::int AS o, (SELECT count(*) FROM prestations)::int AS p, (SELECT count(*) FROM tickets)::int AS t`);
    expect(left.rows[0]).toEqual({ o: 2, p: 1, t: 1 });
  });

  it('refuses to change their keys, and lets the other columns change', async () => {
    await refused(`UPDATE operators SET siren = '404833048' WHERE siren = $1`, [OP]);
    await refused(`UPDATE prestations SET prestation_id = 'P-REF-2' WHERE prestation_id = 'P-REF-1'`);
    await refused(`UPDATE offers SET code = 'CUIVRE_AUTRE' WHERE code = 'CUIVRE_ACCES'`);
    await pool.query(`UPDATE operators SET name = 'Un bis' WHERE siren = $1`, [OP]);
    await pool.query(`UPDATE prestations SET info = 'bâtiment B' WHERE prestation_id = 'P-REF-1'`);
    await pool.query(`UPDATE offers SET label = label || ' ' WHERE code = 'CUIVRE_ACCES'`);
    const t = await pool.query(
      `SELECT o.name, p.info FROM tickets t JOIN operators o ON o.siren = t.operator_siren JOIN prestations p ON p.prestation_id = t.prestation_id JOIN offers f ON f.code = t.offer_code`,
    );
    expect(t.rows).toEqual([{ name: 'Un bis', info: 'bâtiment B' }]);
  });

  it('refuses to delete, truncate or renumber a ticket, so its events always have it', async () => {
    const { rows } = await pool.query(`SELECT t.id, count(e.*)::int AS events FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id GROUP BY t.id`);
    expect(rows).toHaveLength(1);
    expect(rows[0].events).toBe(1); // the deposit's first event, written by the same statement
    const e = await refused(`DELETE FROM tickets WHERE id = $1`, [rows[0].id]);
    expect(e.message).toMatch(/tickets are the record of the signalisations/);
    await refused(`TRUNCATE tickets CASCADE`);
    await refused(`UPDATE tickets SET id = id + 1000 WHERE id = $1`, [rows[0].id]);
    await pool.query(`UPDATE tickets SET comment = 'complété' WHERE id = $1`, [rows[0].id]);
    const orphans = await pool.query(`SELECT count(*)::int AS n FROM ticket_events e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id)`);
    expect(orphans.rows[0].n).toBe(0);
  });

  it('keeps the foreign key from a ticket\'s comments to the ticket (not on the deposit path)', async () => {
    const err = await pool
      .query(`INSERT INTO ticket_comments (ticket_id, at, author, actor, body) VALUES (-1, now(), 'sav', 'test', 'x')`)
      .then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).toBe('23503');
  });
});
