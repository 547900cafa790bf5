import pg from 'pg';

/**
 * The integration platform's database on a PostgreSQL server (DATABASE_URL's, or
 * ESAV_INTEGRATION_DATABASE_URL's): created on first use, from the server's `postgres` database
 * or else from the production one (the role needs CREATEDB). Several processes may try at once.
 */
export async function ensureDatabase(url: string, fallbackAdminUrl?: string): Promise<void> {
  if (await exists(url)) return;
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admins = [maintenance.toString(), ...(fallbackAdminUrl ? [fallbackAdminUrl] : [])];
  let lastError: Error | undefined;
  for (const admin of admins) {
    const c = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      // Created meanwhile by another process.
      if (code === '42P04' || code === '23505') return;
      lastError = err as Error;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  throw new Error(`the integration database "${name}" does not exist and could not be created (${lastError?.message}): create it, or set ESAV_INTEGRATION_DATABASE_URL`);
}

async function exists(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch (err) {
    // 3D000: invalid_catalog_name (no such database). Anything else is a real failure.
    if ((err as { code?: string }).code === '3D000') return false;
    throw err;
  } finally {
    await c.end().catch(() => undefined);
  }
}
