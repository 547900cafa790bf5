import type { XmlElement } from 'libxml2-wasm';
import { childElementPtrs, elementAt, nodePtr } from './treeReader.js';
// The struct readers libxml2-wasm itself uses for its node classes (see treeReader.ts).
import { XmlNamedNodeStruct, XmlNsStruct, XmlTreeCommonStruct } from 'libxml2-wasm/lib/libxml2.mjs';
import { clientFault, SoapFault, FAULT_NS, type FaultKind } from './faults.js';
import { escapeXml } from './serialize.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface EnvelopeParts {
  headers: XmlElement[];
  payload: XmlElement;
}

const localName = (ptr: number): string => XmlTreeCommonStruct.name_(ptr);
/**
 * The namespace URI of an element. Envelope, Header and Body usually share one declaration: the
 * last xmlNs read is remembered for the length of one envelopeParts call (not longer: a freed
 * document's memory is reused by the next one).
 */
class Namespaces {
  private ns = 0;
  private href = '';
  of(ptr: number): string {
    const ns = XmlNamedNodeStruct.namespace(ptr);
    if (!ns) return '';
    if (ns !== this.ns) {
      this.ns = ns;
      this.href = XmlNsStruct.href(ns);
    }
    return this.href;
  }
}
/**
 * Checks the SOAP 1.1 envelope's shape and returns its header blocks and single body child.
 * Read from libxml2's tree in place (as treeReader.ts): the element wrappers' getters cost ~4% of
 * a state query here; only the elements returned are wrapped.
 */
export function envelopeParts(doc: { readonly root: XmlElement }): EnvelopeParts {
  const namespaces = new Namespaces();
  const root = nodePtr(doc.root);
  const rootName = localName(root);
  const rootNs = namespaces.of(root);
  if (rootName !== 'Envelope' || rootNs !== SOAP11_NS) {
    if (rootName === 'Envelope' && rootNs === SOAP12_NS) {
      throw new SoapFault('VersionMismatch', 'VERSION_SOAP', 'Seul SOAP 1.1 est accepté (espace de noms http://schemas.xmlsoap.org/soap/envelope/).');
    }
    throw clientFault('ENVELOPPE_SOAP_ABSENTE', `L'élément racine doit être soap:Envelope (SOAP 1.1), reçu {${rootNs}}${rootName}.`);
  }
  let header = 0;
  let body = 0;
  for (const child of childElementPtrs(root)) {
    const ns = namespaces.of(child);
    const name = localName(child);
    if (ns === SOAP11_NS && name === 'Header' && !header && !body) header = child;
    else if (ns === SOAP11_NS && name === 'Body' && !body) body = child;
    else throw clientFault('ENVELOPPE_SOAP_INVALIDE', `Élément inattendu dans soap:Envelope : {${ns}}${name}.`);
  }
  if (!body) throw clientFault('ENVELOPPE_SOAP_INVALIDE', 'soap:Body est absent.');
  const payloads = childElementPtrs(body);
  if (payloads.length !== 1) {
    throw clientFault('ENVELOPPE_SOAP_INVALIDE', `soap:Body doit contenir exactement un élément (document/literal), il en contient ${payloads.length}.`);
  }
  return { headers: header ? childElementPtrs(header).map(elementAt) : [], payload: elementAt(payloads[0]!) };
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
