import express, { type NextFunction, type Request, type Response } from 'express';
import type { Pool } from '../db/pool.js';
import type { ServiceRegistry } from '../soap/registry.js';
import { DomainError } from '../domain/errors.js';
import type { TicketService } from '../domain/tickets/service.js';
import { catalogueMockupRouter, type MockupRouterOptions } from '../catalogue/mockup/router.js';
import type { SoutienService } from '../domain/soutien/service.js';
import { soutienAdminRouter } from '../domain/soutien/admin.js';

export interface AdminDeps {
  pool: Pool;
  registry: ServiceRegistry;
  tickets: TicketService;
  /** e-soutien desk: /soutien routes (src/domain/soutien/admin.ts). */
  soutien?: SoutienService;
  /** Certificate lifecycle: the client CA's CRL and the renewal metrics. */
  pki?: { crlPem(): Promise<string>; metrics(): Promise<string> };
  /** Everything /metrics serves (docs/metrics.md); the PKI metrics alone when unset. */
  metrics?: () => Promise<string>;
  /** Form mock-ups under /catalogue/: catalogue dates from the lifecycle view, at the gateway's clock. */
  mockups?: MockupRouterOptions;
}

const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/**
 * The plain-HTTP admin listener, bound to loopback by default: probes, and the provider's SAV
 * tools (a small JSON API mirroring `esav ticket ...`). It holds no operator-facing route.
 */
export function createAdminApp(deps: AdminDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  app.get('/health', async (_req: Request, res: Response) => {
    let database = false;
    try {
      await deps.pool.query('SELECT 1');
      database = true;
    } catch {
      database = false;
    }
    const versions = deps.registry.list().map((v) => `${v.service}/${v.version}`);
    const ok = database && versions.length > 0;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, versions });
  });

  app.get('/pki/crl.pem', handle(async (_req, res) => {
    if (!deps.pki) throw Object.assign(new Error('no PKI'), { status: 404 });
    res.type('application/x-pem-file').send(await deps.pki.crlPem());
  }));

  app.get('/metrics', handle(async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(deps.metrics ? await deps.metrics() : deps.pki ? await deps.pki.metrics() : '');
  }));

  app.use('/catalogue', catalogueMockupRouter(deps.mockups));

  // POST /tickets/:reference/advance {"to": "EN_QUALIFICATION", "comment": "...", "agent": "dupont", "resolution": "..."}
  app.post('/tickets/:reference/advance', handle(async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.to !== 'string') throw new DomainError('REQUETE_INVALIDE', 'body must be JSON with "to": the new state');
    const r = await deps.tickets.advance({ reference: String(req.params.reference), to: b.to, actor: `sav:${typeof b.agent === 'string' ? b.agent : 'admin-api'}`, comment: b.comment, resolution: b.resolution });
    res.json({ reference: r.reference, from: r.from, to: r.to, at: r.at.toISOString() });
  }));

  // POST /tickets/:reference/comments {"text": "...", "agent": "dupont"}
  app.post('/tickets/:reference/comments', handle(async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.text !== 'string' || !b.text.trim()) throw new DomainError('REQUETE_INVALIDE', 'body must be JSON with "text"');
    await deps.tickets.savComment(String(req.params.reference), `sav:${typeof b.agent === 'string' ? b.agent : 'admin-api'}`, b.text);
    res.status(201).json({ reference: req.params.reference, added: true });
  }));

  if (deps.soutien) app.use(soutienAdminRouter(deps.soutien));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof DomainError) {
      res.status(err.code.endsWith('INCONNUE') ? 404 : 409).json({ code: err.code, message: err.message });
      return;
    }
    const status = (err as { status?: number }).status;
    if (status && status < 500) {
      res.status(status).json({ code: 'REQUETE_INVALIDE', message: (err as Error).message });
      return;
    }
    res.status(500).json({ code: 'ERREUR_INTERNE', message: 'internal error' });
  });
  return app;
}
