import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pino from 'pino';
import pg from 'pg';
import { Writable } from 'node:stream';
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

it('tells of an idle connection the server closed as a warning, and the next query works', async () => {
  const lines: Array<{ level: number; msg: string; code?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string; code?: string });
      done();
    },
  });
  const db = new JobsDb(tdb.url, pino({ level: 'info' }, sink));
  const pid = (await db.executeSql('SELECT pg_backend_pid() AS pid', [])).rows[0].pid as number;
  // What a PostgreSQL shutdown does to each backend: admin_shutdown (57P01) on an idle connection.
  const admin = new pg.Client({ connectionString: tdb.url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
  for (let i = 0; i < 50 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(lines).toEqual([expect.objectContaining({ level: 40, code: '57P01', msg: expect.stringMatching(/closed an idle connection/) })]);
  expect((await db.executeSql('SELECT 1 AS one', [])).rows[0].one).toBe(1);
  await db.close();
});
