import { launchEmbeddedPostgres } from './pg.js';

/**
 * One PostgreSQL for the whole run: DATABASE_URL's server when set, else an embedded one in a
 * temp folder. Each test file creates its own database on it (test/support/db.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.ESAV_TEST_PG_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const { server: pg, port } = await launchEmbeddedPostgres('esav-test-pg-', 400, false);
  (globalThis as Record<string, unknown>).__ESAV_PG__ = pg;
  process.env.ESAV_TEST_PG_ADMIN_URL = `postgres://esav:esav@127.0.0.1:${port}/postgres`;
}
