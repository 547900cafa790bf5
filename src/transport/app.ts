import express, { type Request, type Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PipelineDeps } from '../soap/pipeline.js';
import type { ServiceVersion } from '../soap/registry.js';
import { processSoap } from '../soap/pipeline.js';
import { WsdlPublisher, publicBase } from '../soap/wsdl.js';
import type { CatalogueRegistry } from '../catalogue/registry.js';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LifecycleView } from '../lifecycle/view.js';

export interface AppOptions {
  deps: PipelineDeps;
  catalogues: CatalogueRegistry;
  /** host:port used in published addresses when the Host header is unusable. */
  fallbackHost: string;
  /** Production and sunset dates from the database; versions past their sunset answer 410. */
  lifecycle?: LifecycleView;
}

/** Any POST under /ws/ is a SOAP call: a wrong service or version gets a SOAP fault saying so, not a bare 404. */
const SOAP_PATH = /^\/ws\/([^/?#]{1,60})(?:\/([^/?#]{0,20}))?\/?(?:\?.*)?$/;

/**
 * The operators' HTTPS request listener. SOAP calls (POST /ws/<service>/<version>) go straight to
 * the pipeline: it reads its own body and builds its own answer, so Express's router and
 * response helpers would only add cost on the hot path (measured: ~8% of a deposit's CPU).
 * Everything else (WSDLs, schemas, the version list, 404s) is the Express application.
 */
export function createSoapListener(opts: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const app = createSoapApp(opts);
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith('/ws/')) {
      app(req, res);
      return;
    }
    const m = SOAP_PATH.exec(url);
    const [service, version] = m ? [m[1]!, m[2] ?? ''] : [url.slice(4).split(/[?#]/)[0]!.slice(0, 60), ''];
    processSoap(opts.deps, req, service, version).then((reply) => {
      // A known length, and the body as a string: Node joins it to the header block and writes
      // once (a Buffer body goes out as a two-chunk writev, copied again by the TLS layer).
      const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': String(Buffer.byteLength(reply.body, 'utf8')), ...reply.headers };
      if (reply.close) headers.Connection = 'close';
      res.writeHead(reply.status, headers);
      res.end(reply.body, 'utf8');
    }, (err: unknown) => {
      // processSoap answers every error itself; this is the last guard of the process.
      opts.deps.log.error({ err }, 'soap listener failure');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

/** The Express side: WSDLs, schemas, catalogues and the list of live versions. */
export function createSoapApp({ deps, catalogues, fallbackHost, lifecycle }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // One publisher per version, made on first use: versions published after start are served too.
  const publishers = new Map<string, WsdlPublisher>();
  const publisherOf = (v: ServiceVersion) => {
    let p = publishers.get(`${v.service}/${v.version}`);
    if (!p) publishers.set(`${v.service}/${v.version}`, (p = new WsdlPublisher([v])));
    return p;
  };

  app.get('/ws', (req: Request, res: Response) => {
    const base = publicBase(req.headers.host, fallbackHost);
    res.json({
      services: deps.registry.list().filter((v) => !lifecycle?.ended('service', v.service, v.version)).map((v) => {
        const row = lifecycle?.row('service', v.service, v.version);
        return {
          name: v.service,
          version: v.version,
          status: v.status,
          wsdl: `${base}/ws/${v.service}/${v.version}?wsdl`,
          productionDate: row?.productionDate ?? v.productionDate,
          sunsetDate: row ? row.sunsetDate : v.sunsetDate ?? null,
        };
      }),
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
    const gone = lifecycle?.ended('service', String(req.params.service), String(req.params.version));
    if (gone) {
      const cur = lifecycle!.current('service', gone.name);
      res.status(410).type('text/plain').send(`Gone: ${gone.name} ${gone.version} is no longer served${gone.sunsetDate ? ` since ${gone.sunsetDate}` : ''}${cur ? `; current version: /ws/${gone.name}/${cur.version}?wsdl` : ''}.\n`);
      return;
    }
    const v = deps.registry.get(String(req.params.service), String(req.params.version));
    const base = publicBase(req.headers.host, fallbackHost);
    const xsd = typeof req.query.xsd === 'string' ? req.query.xsd : undefined;
    const doc = v && (xsd !== undefined ? publisherOf(v).xsd(v, xsd, base) : 'wsdl' in req.query ? publisherOf(v).wsdl(v, base) : undefined);
    if (!doc) {
      res.status(404).type('text/plain').send('Not found: use GET /ws for the live services and their WSDL addresses.\n');
      return;
    }
    res.type('text/xml; charset=utf-8').send(doc);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found: SOAP endpoints are under /ws/<service>/<version>; GET /ws lists them.\n');
  });
  return app;
}
