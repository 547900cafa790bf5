import https from 'node:https';
import type { OutgoingHttpHeaders } from 'node:http';
import { XMLParser } from 'fast-xml-parser';

export interface TlsCreds {
  key?: Buffer;
  cert?: Buffer;
  ca: Buffer;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTPS request over mTLS: for the wire-level and bad-input tests. */
export function request(url: string, creds: TlsCreds, opts: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; agent?: https.Agent } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, key: creds.key, cert: creds.cert, ca: creds.ca, agent: opts.agent ?? false, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function soapPost(url: string, creds: TlsCreds, xml: Buffer | string, soapAction: string | undefined, extra: OutgoingHttpHeaders = {}, agent?: https.Agent): Promise<HttpReply> {
  const headers: OutgoingHttpHeaders = { 'Content-Type': 'text/xml; charset=utf-8', ...extra };
  if (soapAction !== undefined) headers.SOAPAction = `"${soapAction}"`;
  return request(url, creds, { method: 'POST', headers, body: xml, agent });
}

// Values stay strings, as on the wire (a SIREN or a reference must not turn into a number).
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

export interface ParsedFault {
  faultcode: string;
  code: string;
  message: string;
  diagnostics: Array<{ '#text': string; '@ligne'?: string; '@chemin'?: string }>;
}

/** The SOAP body's child (namespace prefixes removed), or the fault's fields. */
export function parseSoap(body: string): { fault?: ParsedFault; payload?: Record<string, any> } {
  const doc = parser.parse(body);
  const b = doc?.Envelope?.Body;
  if (!b) throw new Error(`not a SOAP envelope: ${body.slice(0, 300)}`);
  if (b.Fault) {
    const e = b.Fault.detail?.erreur ?? {};
    const diag = e.diagnostic === undefined ? [] : Array.isArray(e.diagnostic) ? e.diagnostic : [e.diagnostic];
    return { fault: { faultcode: b.Fault.faultcode, code: e.code, message: e.message, diagnostics: diag.map((d: any) => (typeof d === 'string' ? { '#text': d } : d)) } };
  }
  const [name] = Object.keys(b);
  return { payload: { [name!]: b[name!] } };
}

export function envelope(bodyXml: string, headerXml = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">${headerXml ? `<soapenv:Header>${headerXml}</soapenv:Header>` : ''}<soapenv:Body>${bodyXml}</soapenv:Body></soapenv:Envelope>`;
}

export const V1 = 'urn:fr:esav:signalisation:v1';
export const V2 = 'urn:fr:esav:signalisation:v2';

export const CATALOGUE = '2026-11';

/** A valid catalogue form for the test prestations: ETH-* are ETH_ENTREPRISE, FTTH-* FTTH_ACCES. */
export function formXml(prestation: string, catalogue = CATALOGUE): string {
  if (prestation.startsWith('ETH-')) {
    return `<s:formulaire catalogue="${catalogue}" code="ETH_ENTREPRISE"><e:formulaireEthEntreprise xmlns:e="urn:fr:esav:catalogue:${catalogue}:eth-entreprise">` +
      `<e:extremiteA><e:adresse>12 rue de la Paix, 75002 Paris</e:adresse><e:codeInsee>75056</e:codeInsee></e:extremiteA>` +
      `<e:extremiteZ><e:adresse>1 place Bellecour, 69002 Lyon</e:adresse><e:codeInsee>69382</e:codeInsee></e:extremiteZ>` +
      `<e:niveauGarantie>GTR4H</e:niveauGarantie><e:interruptionTotale>true</e:interruptionTotale></e:formulaireEthEntreprise></s:formulaire>`;
  }
  if (prestation.startsWith('FTTH-')) {
    return `<s:formulaire catalogue="${catalogue}" code="FTTH_ACCES"><f:formulaireFtthAcces xmlns:f="urn:fr:esav:catalogue:${catalogue}:ftth-acces">` +
      `<f:refPto>FI-1234-5678</f:refPto><f:sirenSiteClient>552100554</f:sirenSiteClient>` +
      `<f:contact><f:nom>Camille Martin</f:nom><f:telephone>0612345678</f:telephone></f:contact>` +
      `<f:localisationDefaut>PTO</f:localisationDefaut></f:formulaireFtthAcces></s:formulaire>`;
  }
  return '';
}

export function depositXml(ns: string, prestation: string, opts: { ext?: string; comment?: string; extra?: string; form?: string } = {}): string {
  return envelope(
    `<s:deposerSignalisation xmlns:s="${ns}"><s:identifiantPrestation>${prestation}</s:identifiantPrestation>` +
      (opts.ext ? `<s:referenceExterne>${opts.ext}</s:referenceExterne>` : '') +
      (opts.form ?? formXml(prestation)) +
      `<s:defautDeclare><s:code>COUPURE</s:code><s:libelle>Coupure totale du service</s:libelle></s:defautDeclare>` +
      (opts.comment ? `<s:commentaire>${opts.comment}</s:commentaire>` : '') +
      (opts.extra ?? '') +
      `</s:deposerSignalisation>`,
  );
}
