import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pino from 'pino';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { JobsDb } from '../../src/jobs/db.js';

// pg-boss's own pool was ended while a worker's fetch still waited there for a connection; pg-pool
// never answers such a waiter, so the worker never stopped (and pg-boss polled it forever).
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await freshDatabase();
});

afterAll(async () => {
  await tdb?.drop();
});

it('lets every query asked for before close settle, also those waiting for a connection, then answers nothing', async () => {
  const db = new JobsDb(tdb.url, pino({ level: 'silent' }));
  // Four connections: two of these six wait for one when close() is called.
  const asked = Array.from({ length: 6 }, (_, i) => db.executeSql('SELECT pg_sleep(0.2), $1::int AS i', [i]));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await db.close();
  const settled = await Promise.allSettled(asked);
  expect(settled.map((s) => s.status)).toEqual(Array(6).fill('fulfilled'));
  expect(settled.map((s) => (s as PromiseFulfilledResult<{ rows: Array<{ i: number }> }>).value.rows[0]!.i)).toEqual([0, 1, 2, 3, 4, 5]);
  // Ended: no query reaches the database, and the answer is pg-boss's own "closed" one (undefined,
  // read as nothing done), not a rejection: pg-boss does not await all its calls.
  expect(await db.executeSql('SELECT 1 AS one', [])).toBeUndefined();
});
