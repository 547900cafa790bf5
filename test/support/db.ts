import pg from 'pg';
import { randomBytes } from 'node:crypto';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.ESAV_TEST_PG_ADMIN_URL;
  if (!url) throw new Error('ESAV_TEST_PG_ADMIN_URL is not set: run the tests with npm test (jest globalSetup starts PostgreSQL)');
  return url;
}

/** A new, empty database on the run's PostgreSQL, so test files never see each other's rows. */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `esav_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
