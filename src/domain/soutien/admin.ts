// The desk's JSON API on the admin listener (mirrors `esav soutien ...`).
import express, { type NextFunction, type Request, type Response } from 'express';
import { DomainError } from '../errors.js';
import type { SoutienService, TicketView } from './service.js';
import type { SoutienState } from './repo.js';

const handle = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

const agentOf = (b: Record<string, unknown>) => `soutien:${typeof b.agent === 'string' && b.agent.trim() ? b.agent.trim() : 'admin-api'}`;

export function viewJson(v: TicketView) {
  const t = v.ticket;
  return {
    reference: t.reference, siren: t.siren, operator: t.operatorName, state: t.state, subject: t.subject, description: t.description,
    category: t.category, service: t.service, version: t.serviceVersion, requestId: t.requestId, contactEmail: t.contactEmail,
    openedAt: t.openedAt.toISOString(), handlingFrom: t.handlingFrom.toISOString(), closedAt: t.closedAt?.toISOString() ?? null,
    closedBy: t.closedBy, resolution: t.resolution,
    messages: v.messages.map((m) => ({ author: m.author, agent: m.agent, text: m.text, at: m.at.toISOString() })),
  };
}

const STATUS: Record<string, number> = { TICKET_SOUTIEN_INCONNU: 404, TICKET_SOUTIEN_CLOS: 409, REFERENCE_INVALIDE: 400, REQUETE_INVALIDE: 400 };

/**
 * GET /soutien[?state=OUVERT|CLOS&operator=<siren>], GET /soutien/:ref,
 * POST /soutien/:ref/comments {"text", "agent"}, POST /soutien/:ref/close {"resolution", "agent"}.
 */
export function soutienAdminRouter(soutien: SoutienService): express.Router {
  const r = express.Router();
  r.get('/soutien', handle(async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    if (state !== undefined && state !== 'OUVERT' && state !== 'CLOS') throw new DomainError('REQUETE_INVALIDE', 'state must be OUVERT or CLOS');
    const siren = typeof req.query.operator === 'string' ? req.query.operator : undefined;
    const list = await soutien.listAll({ state: state as SoutienState | undefined, siren, limit: 500 });
    res.json(list.map((t) => ({ reference: t.reference, siren: t.siren, state: t.state, subject: t.subject, category: t.category, openedAt: t.openedAt.toISOString(), handlingFrom: t.handlingFrom.toISOString(), closedAt: t.closedAt?.toISOString() ?? null })));
  }));
  r.get('/soutien/:reference', handle(async (req, res) => {
    res.json(viewJson(await soutien.detail(String(req.params.reference))));
  }));
  r.post('/soutien/:reference/comments', handle(async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.text !== 'string' || !b.text.trim()) throw new DomainError('REQUETE_INVALIDE', 'body must be JSON with "text": the message to the operator');
    const m = await soutien.comment(String(req.params.reference), agentOf(b), b.text);
    res.status(201).json({ reference: req.params.reference, at: m.at.toISOString(), emailed: true });
  }));
  r.post('/soutien/:reference/close', handle(async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.resolution !== 'string' || !b.resolution.trim()) throw new DomainError('REQUETE_INVALIDE', 'body must be JSON with "resolution": the resolution report sent to the operator');
    const t = await soutien.close(String(req.params.reference), agentOf(b), b.resolution);
    res.json({ reference: t.reference, state: t.state, closedAt: t.closedAt!.toISOString() });
  }));
  r.use('/soutien', (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof DomainError)) return next(err);
    res.status(STATUS[err.code] ?? 409).json({ code: err.code, message: err.message });
  });
  return r;
}
