import express, { type Request, type Response } from 'express';
import type { Pool } from '../db/pool.js';
import type { ServiceRegistry } from '../soap/registry.js';

/**
 * The plain-HTTP admin listener, bound to loopback by default: probes and ops tools that hold
 * no client certificate. Never exposes operator data without ops access to the host.
 */
export function createAdminApp(pool: Pool, registry: ServiceRegistry): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', async (_req: Request, res: Response) => {
    let database = false;
    try {
      await pool.query('SELECT 1');
      database = true;
    } catch {
      database = false;
    }
    const versions = registry.list().map((v) => `${v.service}/${v.version}`);
    const ok = database && versions.length > 0;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, versions });
  });
  return app;
}
