/**
 * A comparison peer, run as its own process by bench/run.ts (never imported):
 *   node dist/bench/peer.js bare|echo <pki.json> [<slot answer file>]
 * Listens on 127.0.0.1:0 over the gateway's mTLS settings and tells its parent the port over IPC.
 *   bare  node:https only: every POST gets a fixed SOAP response (request body drained): the
 *         deposit answer, or, when the SOAPAction is consulterEtatSignalisation, a state answer
 *         with the queried reference cut out of the request body (a string search, no parse);
 *         on /ws/rdv-ftth/v1 (SOAPAction ""), the bytes of the slot answer file: a real answer
 *         of the gateway to the bench's slot search, taken by the setup (same size and shape).
 *   echo  Express + node-soap serving the gateway's own v1 WSDL; deposerSignalisation and
 *         consulterEtatSignalisation answer fixed-shape responses (the state answer carries the
 *         queried reference). On /ws/rdv-ftth/v1, node-soap serving the rdv-ftth WSDL:
 *         rechercheCreneauxLibres answers a fixed list of 3 slots, with the EnteteType header
 *         filled from the request's. No schema validation, no identity lookup, no database.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import soap from 'soap';
import { PROJECT_ROOT } from '../test/support/cli.js';
import { peerTlsOptions, type BenchPki } from './tls.js';

export const PEER_PATH = '/ws/signalisation/v1';
export const RDV_PATH = '/ws/rdv-ftth/v1';
const IF_NS = 'http://interop-fibre.fr';
const NS = 'urn:fr:esav:signalisation:v1';
const FIXED_REFERENCE = 'S26-K7Q4-M9XD-T';

/** The same bytes the gateway would send for a deposit (minus the live reference and date). */
const BARE_RESPONSE = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
    `<deposerSignalisationReponse xmlns="${NS}"><referenceSignalisation>${FIXED_REFERENCE}</referenceSignalisation>` +
    `<dateDepot>2026-01-05T08:00:00.000Z</dateDepot><etat>EN_DEPOT</etat></deposerSignalisationReponse></soap:Body></soap:Envelope>`,
);

/** The state answer, the same shape and size as the gateway's, around the queried reference. */
const STATE_HEAD = Buffer.from(
  `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
    `<consulterEtatSignalisationReponse xmlns="${NS}"><referenceSignalisation>`,
);
const STATE_TAIL = Buffer.from(
  `</referenceSignalisation><etat>EN_DEPOT</etat><dateEtat>2026-01-05T08:00:00.000Z</dateEtat></consulterEtatSignalisationReponse></soap:Body></soap:Envelope>`,
);
const STATE_SOAP_ACTION = `"${NS}#consulterEtatSignalisation"`;
const REF_OPEN = 'referenceSignalisation>';

/** The reference in a consulterEtatSignalisation request, by string search (the bare peer parses nothing). */
function referenceOf(body: string): string {
  const a = body.indexOf(REF_OPEN);
  if (a < 0) return '';
  const b = body.indexOf('<', a + REF_OPEN.length);
  return b < 0 ? '' : body.slice(a + REF_OPEN.length, b);
}

/** The gateway's answer to the bench's slot search (from the setup), when a slot row runs. */
let slotAnswer: Buffer | undefined;

function bareHandler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  if (req.method !== 'POST') {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('POST only\n');
    return;
  }
  if (req.url === RDV_PATH) {
    const answer = slotAnswer;
    req.on('data', () => undefined);
    req.on('end', () => {
      if (!answer) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('no slot answer given to the bare peer\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': answer.length });
      res.end(answer);
    });
    return;
  }
  if (req.headers.soapaction === STATE_SOAP_ACTION) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = Buffer.concat([STATE_HEAD, Buffer.from(referenceOf(Buffer.concat(chunks).toString('utf8'))), STATE_TAIL]);
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': answer.length });
      res.end(answer);
    });
    return;
  }
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': BARE_RESPONSE.length });
    res.end(BARE_RESPONSE);
  });
}

/** The Express app with node-soap mounted; resolves once node-soap has loaded the WSDL. */
async function echoApp(): Promise<express.Express> {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const wsdlPath = join(PROJECT_ROOT, 'wsdl', 'signalisation', 'v1', 'signalisation.wsdl');
  const service = {
    SignalisationService: {
      SignalisationPort: {
        deposerSignalisation(_args: unknown) {
          return { referenceSignalisation: FIXED_REFERENCE, dateDepot: new Date().toISOString(), etat: 'EN_DEPOT' };
        },
        consulterEtatSignalisation(args: { referenceSignalisation?: string }) {
          return { referenceSignalisation: String(args.referenceSignalisation ?? ''), etat: 'EN_DEPOT', dateEtat: new Date().toISOString() };
        },
      },
    },
  };
  await new Promise<void>((resolve, reject) => {
    // `uri` lets node-soap resolve the WSDL's relative xsd imports (signalisation.xsd, erreur.xsd).
    soap.listen(app, {
      path: PEER_PATH,
      services: service,
      xml: readFileSync(wsdlPath, 'utf8'),
      uri: wsdlPath,
      callback: (err: unknown) => (err ? reject(err) : resolve()),
    });
  });
  await listenRdvFtth(app);
  return app;
}

/** A fixed, small list: what a stub of the slot search would answer. */
const ECHO_SLOTS = [
  { dateDebut: '2026-12-07T07:00:00.000Z', dateFin: '2026-12-07T09:00:00.000Z', idOI: '00000000-0000-4000-8000-000000000000.q8x4c0' },
  { dateDebut: '2026-12-07T07:30:00.000Z', dateFin: '2026-12-07T09:30:00.000Z', idOI: '00000000-0000-4000-8000-000000000000.q8x4dm' },
  { dateDebut: '2026-12-07T08:00:00.000Z', dateFin: '2026-12-07T10:00:00.000Z', idOI: '00000000-0000-4000-8000-000000000000.q8x4f8' },
];

type Entete = { versionWS?: string; horodatageRequete?: string; sirenOC?: string; sirenOI?: string };
const esc = (v: unknown) => String(v ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** node-soap serving wsdl/rdv-ftth/v1 (Interop'Fibre: unqualified children, EnteteType header, SOAPAction ""). */
async function listenRdvFtth(app: express.Express): Promise<void> {
  const wsdlPath = join(PROJECT_ROOT, 'wsdl', 'rdv-ftth', 'v1', 'plan-charge-sav-ftth.wsdl');
  const service = {
    PlanChargeFtthSavService: {
      PlanChargeFtthSavPort: {
        rechercheCreneauxLibres(_args: unknown) {
          return { listeCreneau: { occCreneau: ECHO_SLOTS } };
        },
      },
    },
  };
  const server = await new Promise<soap.Server>((resolve, reject) => {
    const s: soap.Server = soap.listen(app, {
      path: RDV_PATH,
      services: service,
      xml: readFileSync(wsdlPath, 'utf8'),
      uri: wsdlPath,
      callback: (err: unknown) => (err ? reject(err) : resolve(s)),
    });
  });
  // The answer's EnteteType, from the request's (as the contract wants), horodatageReponse = now.
  server.addSoapHeader((_method: string, _args: unknown, headers: { EnteteType?: Entete } | undefined) => {
    const h = headers?.EnteteType ?? {};
    return (
      `<tns:EnteteType xmlns:tns="${IF_NS}"><versionWS>${esc(h.versionWS)}</versionWS><horodatageRequete>${esc(h.horodatageRequete)}</horodatageRequete>` +
      `<horodatageReponse>${new Date().toISOString()}</horodatageReponse><sirenOC>${esc(h.sirenOC)}</sirenOC><sirenOI>${esc(h.sirenOI)}</sirenOI></tns:EnteteType>`
    );
  });
}

async function main(): Promise<void> {
  const [kind, pkiJson, slotAnswerFile] = process.argv.slice(2);
  if ((kind !== 'bare' && kind !== 'echo') || !pkiJson) throw new Error('usage: peer.js bare|echo <pki.json> [<slot answer file>]');
  const pki = JSON.parse(readFileSync(pkiJson, 'utf8')) as BenchPki;
  if (slotAnswerFile) slotAnswer = readFileSync(slotAnswerFile);
  const server = https.createServer(peerTlsOptions(pki), kind === 'bare' ? bareHandler : await echoApp());
  // Same keep-alive bounds as the gateway (src/main.ts).
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  process.send?.({ type: 'ready', kind, port });
  // The parent's death (or disconnect) ends the peer: never left behind.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`peer: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
