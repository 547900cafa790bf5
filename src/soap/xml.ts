import {
  ParseOption,
  XmlDocument,
  XmlElement,
  XmlParseError,
  XsdValidator,
  XmlValidateError,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';
import { fsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import { resolve, sep } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../paths.js';
import { clientFault, type FaultDiagnostic } from './faults.js';

export { XmlDocument, XmlElement, XsdValidator };

// Request documents: no network, no external entities, no entity substitution (NOENT is not
// set), libxml2's default depth (256) and size limits. DOCTYPEs are refused before parsing.
const REQUEST_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOCDATA;

// Schemas import each other by relative path: let libxml2 read files, but only the project's own
// wsdl/ and xsd/ folders, so that no document can make it open anything else.
const allowedRoots = [resolve(PROJECT_ROOT, 'wsdl') + sep, resolve(PROJECT_ROOT, 'xsd') + sep];
function allowed(url: string): string | undefined {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const abs = resolve(path);
  return allowedRoots.some((r) => abs.startsWith(r)) ? abs : undefined;
}
xmlRegisterInputProvider({
  match: (url) => allowed(url) !== undefined && fsInputProviders.match(allowed(url)!),
  open: (url) => fsInputProviders.open(allowed(url)!),
  read: fsInputProviders.read,
  close: fsInputProviders.close,
});

function diagnostics(details: ErrorDetail[]): FaultDiagnostic[] {
  return details.map((d) => ({
    line: d.line || undefined,
    column: d.col || undefined,
    path: d.xpath,
    message: d.message.trim(),
  }));
}

/** Parses an untrusted request body. Throws a Client fault on malformed XML. */
export function parseRequest(body: Buffer): XmlDocument {
  try {
    return XmlDocument.fromBuffer(body, { option: REQUEST_OPTIONS });
  } catch (err) {
    if (err instanceof XmlParseError) {
      throw clientFault('XML_MALFORME', 'Le message n\'est pas un XML bien formé.', diagnostics(err.details));
    }
    throw err;
  }
}

/** Compiles an XSD file from the project's own folders (imports resolved relative to it). */
export function compileSchemaFile(path: string): XsdValidator {
  // Read through Node (the file is ours); the url gives libxml2 the base for relative imports.
  const doc = XmlDocument.fromBuffer(readFileSync(path), { url: path });
  try {
    return XsdValidator.fromDoc(doc);
  } finally {
    doc.dispose();
  }
}


/** Validates one element (and its subtree) against a compiled schema; faults list every error. */
export function validateElement(validator: XsdValidator, el: XmlElement, what: string): void {
  try {
    validator.validate(el);
  } catch (err) {
    if (err instanceof XmlValidateError) {
      throw clientFault('SCHEMA_INVALIDE', `${what} ne respecte pas le schéma (${err.details.length} erreur(s)).`, diagnostics(err.details));
    }
    throw err;
  }
}

export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = el.firstChild; n; n = n.next) if (n instanceof XmlElement) out.push(n);
  return out;
}
