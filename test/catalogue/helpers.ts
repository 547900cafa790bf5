import { expect } from '@jest/globals';
import { join } from 'node:path';
import { SoapFault } from '../../src/soap/faults.js';
import { elementChildren, parseRequest, type ParsedRequest, type XmlElement } from '../../src/soap/xml.js';
import { PROJECT_ROOT } from '../../src/paths.js';

/** Fixtures stay in the source tree (tsc does not copy them to dist/). */
export const FIXTURES = join(PROJECT_ROOT, 'test', 'catalogue', 'fixtures');

export const ns = (version: string, form: 'ftth-acces' | 'eth-entreprise' | 'cuivre-acces') =>
  `urn:fr:esav:catalogue:${version}:${form}`;

const docs: ParsedRequest[] = [];

/**
 * Parses a form the way a deposit carries it: inside a SOAP envelope, in the <formulaire>
 * wrapper, and returns the wrapper's single child element (undefined if the wrapper is empty).
 * The prefix is declared on the envelope, as real clients do. Call disposeDocs() after each test.
 */
export function formInEnvelope(formXml: string, prefixNs?: string): XmlElement | undefined {
  const xml =
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"${prefixNs ? ` xmlns:f="${prefixNs}"` : ''}>` +
    `<soapenv:Body><s:deposerSignalisation xmlns:s="urn:fr:esav:signalisation:v2"><s:formulaire>${formXml}</s:formulaire>` +
    `</s:deposerSignalisation></soapenv:Body></soapenv:Envelope>`;
  const doc = parseRequest(Buffer.from(xml));
  docs.push(doc);
  const wrapper = doc.root.get('//s:formulaire', { s: 'urn:fr:esav:signalisation:v2' }) as XmlElement;
  return elementChildren(wrapper)[0];
}

export function disposeDocs(): void {
  for (const d of docs.splice(0)) d.dispose();
}

/** Runs fn, expects a SoapFault with this code, returns it for further checks. */
export function fault(fn: () => unknown, code: string): SoapFault {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SoapFault);
  const f = caught as SoapFault;
  expect({ code: f.code, kind: f.kind, message: f.message }).toEqual({ code, kind: 'Client', message: expect.any(String) });
  return f;
}

export const diagText = (f: SoapFault) => f.diagnostics.map((d) => d.message).join('\n');
