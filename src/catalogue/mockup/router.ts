// GET /catalogue/ (versions), /catalogue/<v>/ (nomenclature), /catalogue/<v>/<CODE>.html|.xml
// on the admin listener. Dates come from the in-memory lifecycle view (no database round trip).
import express, { type Request, type Response } from 'express';
import { CATALOGUE_NAME, type LifecycleRow } from '../../lifecycle/versions.js';
import { CSP, esc } from './html.js';
import { lifecycleDates, MockupSite, type MockupFile } from './site.js';

export interface MockupRouterOptions {
  /** The gateway's lifecycle view (row of a catalogue version) and its clock. */
  lifecycle?: { row(kind: 'catalogue', name: string, version: string): LifecycleRow | undefined };
  clock?: () => Date;
  /** Tests: another catalogue folder. */
  root?: string;
}

function send(res: Response, status: number, file: MockupFile): void {
  res.status(status).set('Content-Security-Policy', CSP).set('X-Content-Type-Options', 'nosniff').type(`${file.type}; charset=utf-8`).send(file.body);
}

const errorPage = (title: string, message: string): MockupFile => ({
  type: 'text/html',
  body: `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1><p>${esc(message)}</p><p><a href="/catalogue/">Catalogues</a></p></body></html>\n`,
});

export function catalogueMockupRouter(opts: MockupRouterOptions = {}): express.Router {
  const clock = opts.clock ?? (() => new Date());
  const site = new MockupSite(lifecycleDates((v) => opts.lifecycle?.row('catalogue', CATALOGUE_NAME, v), clock), opts.root);
  const router = express.Router({ strict: true });
  const notFound = (res: Response, what: string) =>
    send(res, 404, errorPage('Introuvable', `${what} n'existe pas. Versions du catalogue : ${site.versions().join(', ') || 'aucune'}.`));

  const guarded = (fn: (req: Request, res: Response) => void) => (req: Request, res: Response) => {
    try {
      fn(req, res);
    } catch (err) {
      // A catalogue the mock-ups cannot render (a construct they do not handle): say which, loudly.
      send(res, 500, errorPage('Maquette impossible', (err as Error).message));
    }
  };

  router.get(['/', '/index.html'], guarded((req, res) => {
    // /catalogue without its slash: relative links need it.
    if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, `${req.baseUrl}/`);
    send(res, 200, { type: 'text/html', body: site.indexPage() });
  }));
  // Relative links need the trailing slash.
  router.get('/:version', (req, res, next) => {
    if (req.params.version === 'index.html') return next();
    res.redirect(301, `${req.baseUrl}/${encodeURIComponent(req.params.version!)}/`);
  });
  router.get('/:version/', guarded((req, res) => {
    const f = site.file(String(req.params.version), 'index.html');
    return f ? send(res, 200, f) : notFound(res, `Le catalogue « ${req.params.version} »`);
  }));
  router.get('/:version/:file', guarded((req, res) => {
    const version = String(req.params.version);
    if (!site.version(version)) return notFound(res, `Le catalogue « ${version} »`);
    const f = site.file(version, String(req.params.file));
    return f ? send(res, 200, f) : notFound(res, `La page « ${req.params.file} » du catalogue ${version}`);
  }));
  router.use((_req: Request, res: Response) => notFound(res, 'Cette page'));
  return router;
}
