import type { XmlDocument, XmlElement } from 'libxml2-wasm';
import { elementChildren } from './xml.js';
import { clientFault, SoapFault, FAULT_NS, type FaultKind } from './faults.js';
import { escapeXml } from './serialize.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface EnvelopeParts {
  headers: XmlElement[];
  payload: XmlElement;
}

/** Checks the SOAP 1.1 envelope's shape and returns its header blocks and single body child. */
export function envelopeParts(doc: XmlDocument): EnvelopeParts {
  const root = doc.root;
  if (root.name !== 'Envelope' || root.namespaceUri !== SOAP11_NS) {
    if (root.name === 'Envelope' && root.namespaceUri === SOAP12_NS) {
      throw new SoapFault('VersionMismatch', 'VERSION_SOAP', 'Seul SOAP 1.1 est accepté (espace de noms http://schemas.xmlsoap.org/soap/envelope/).');
    }
    throw clientFault('ENVELOPPE_SOAP_ABSENTE', `L'élément racine doit être soap:Envelope (SOAP 1.1), reçu {${root.namespaceUri}}${root.name}.`);
  }
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const child of elementChildren(root)) {
    if (child.namespaceUri === SOAP11_NS && child.name === 'Header' && !header && !body) header = child;
    else if (child.namespaceUri === SOAP11_NS && child.name === 'Body' && !body) body = child;
    else throw clientFault('ENVELOPPE_SOAP_INVALIDE', `Élément inattendu dans soap:Envelope : {${child.namespaceUri}}${child.name}.`);
  }
  if (!body) throw clientFault('ENVELOPPE_SOAP_INVALIDE', 'soap:Body est absent.');
  const payloads = elementChildren(body);
  if (payloads.length !== 1) {
    throw clientFault('ENVELOPPE_SOAP_INVALIDE', `soap:Body doit contenir exactement un élément (document/literal), il en contient ${payloads.length}.`);
  }
  return { headers: header ? elementChildren(header) : [], payload: payloads[0]! };
}

export function envelope(bodyXml: string, headerXml = ''): string {
  const header = headerXml ? `<soap:Header>${headerXml}</soap:Header>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}">${header}<soap:Body>${bodyXml}</soap:Body></soap:Envelope>`;
}

/**
 * The SOAP 1.1 Fault. Its detail holds one `erreur` element (namespace urn:fr:esav:erreur:v1)
 * with the stable code, the message, the request id and one `diagnostic` per schema error.
 * Services with their own fault shape (Interop'Fibre) pass detailXml instead.
 */
export function faultXml(kind: FaultKind, code: string, message: string, requestId: string, diagnostics: SoapFault['diagnostics'], detailXml?: string): string {
  const diag = diagnostics
    .map((d) => {
      const attrs = [d.line ? ` ligne="${d.line}"` : '', d.column ? ` colonne="${d.column}"` : '', d.path ? ` chemin="${escapeXml(d.path)}"` : ''].join('');
      return `<e:diagnostic${attrs}>${escapeXml(d.message)}</e:diagnostic>`;
    })
    .join('');
  const detail =
    detailXml ??
    `<e:erreur xmlns:e="${FAULT_NS}"><e:code>${escapeXml(code)}</e:code><e:message>${escapeXml(message)}</e:message><e:idRequete>${escapeXml(requestId)}</e:idRequete>${diag}</e:erreur>`;
  return envelope(
    `<soap:Fault><faultcode>soap:${kind}</faultcode><faultstring xml:lang="fr">${escapeXml(`[${code}] ${message}`)}</faultstring><detail>${detail}</detail></soap:Fault>`,
  );
}
