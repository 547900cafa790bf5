import express, { type Request, type Response } from 'express';
import type { PipelineDeps } from '../soap/pipeline.js';
import { processSoap } from '../soap/pipeline.js';
import { WsdlPublisher, publicBase } from '../soap/wsdl.js';
import type { CatalogueRegistry } from '../catalogue/registry.js';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface AppOptions {
  deps: PipelineDeps;
  catalogues: CatalogueRegistry;
  /** host:port used in published addresses when the Host header is unusable. */
  fallbackHost: string;
}

/** The operators' HTTPS application: SOAP endpoints, their WSDLs and the list of live versions. */
export function createSoapApp({ deps, catalogues, fallbackHost }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const publisher = new WsdlPublisher(deps.registry.list());

  app.get('/ws', (req: Request, res: Response) => {
    const base = publicBase(req.headers.host, fallbackHost);
    res.json({
      services: deps.registry.list().map((v) => ({
        name: v.service,
        version: v.version,
        status: v.status,
        wsdl: `${base}/ws/${v.service}/${v.version}?wsdl`,
        productionDate: v.productionDate,
        sunsetDate: v.sunsetDate ?? null,
      })),
      catalogues: catalogues.live().map((c) => ({
        version: c.version,
        status: c.status,
        productionDate: c.productionDate,
        sunsetDate: c.sunsetDate,
        nomenclature: `${base}/ws/catalogue/${c.version}/nomenclature.xml`,
        forms: [...c.forms.values()].map((f) => ({ code: f.code, offers: f.offers, xsd: `${base}/ws/catalogue/${c.version}/${basename(f.file)}` })),
      })),
    });
  });

  // The live catalogues' nomenclature and form XSDs, for integrators' tools.
  app.get('/ws/catalogue/:version/:file', (req: Request, res: Response) => {
    const c = catalogues.get(String(req.params.version));
    const file = String(req.params.file);
    const known = c && (file === 'nomenclature.xml' || [...c.forms.values()].some((f) => basename(f.file) === file));
    if (!c || !known) {
      res.status(404).type('text/plain').send('Not found: GET /ws lists the live catalogues and their files.\n');
      return;
    }
    res.type('text/xml; charset=utf-8').send(readFileSync(join(c.dir, file)));
  });

  app.get('/ws/:service/:version', (req: Request, res: Response) => {
    const v = deps.registry.get(String(req.params.service), String(req.params.version));
    const base = publicBase(req.headers.host, fallbackHost);
    const xsd = typeof req.query.xsd === 'string' ? req.query.xsd : undefined;
    const doc = v && (xsd !== undefined ? publisher.xsd(v, xsd, base) : 'wsdl' in req.query ? publisher.wsdl(v, base) : undefined);
    if (!doc) {
      res.status(404).type('text/plain').send('Not found: use GET /ws for the live services and their WSDL addresses.\n');
      return;
    }
    res.type('text/xml; charset=utf-8').send(doc);
  });

  app.post('/ws/:service/:version', async (req: Request, res: Response) => {
    const reply = await processSoap(deps, req, String(req.params.service), String(req.params.version));
    const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', ...reply.headers };
    if (reply.close) headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found: SOAP endpoints are under /ws/<service>/<version>; GET /ws lists them.\n');
  });
  return app;
}
