import type { Config } from '../config.js';
import { createPool, type Pool } from './pool.js';
import { migrate } from './migrate.js';
import { startEmbeddedPostgres, type EmbeddedDb } from './embedded.js';
import { join } from 'node:path';
import { ensureDatabase } from '../integration/database.js';

export interface Database {
  pool: Pool;
  url: string;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under the data dir. Migrations run here. */
export async function openDatabase(config: Config, opts: { migrate?: boolean; embedded?: boolean } = {}): Promise<Database> {
  let embedded: EmbeddedDb | undefined;
  let url = config.databaseUrl;
  if (!url) {
    if (opts.embedded === false) throw new Error('DATABASE_URL is not set and the embedded database is not allowed here');
    embedded = await startEmbeddedPostgres(join(config.dataDir), config.embeddedPgPort);
    url = embedded.url;
  } else if (config.mode === 'integration') {
    await ensureDatabase(url, config.platform.productionDatabaseUrl);
  }
  const pool = createPool(url, config.dbPoolSize, config.dbStatementTimeoutMs);
  try {
    if (opts.migrate !== false) await migrate(pool);
  } catch (err) {
    await pool.end();
    await embedded?.stop();
    throw err;
  }
  return {
    pool,
    url,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
