import {
  ParseOption,
  XmlDocument,
  XmlElement,
  XsdValidator,
  xmlRegisterInputProvider,
  type ErrorDetail,
} from 'libxml2-wasm';
import { fsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';
import {
  error,
  xmlCtxtSetErrorHandler,
  xmlDocGetRootElement,
  xmlFreeDoc,
  xmlFreeParserCtxt,
  xmlNewParserCtxt,
  xmlReadMemory,
  xmlSchemaFreeValidCtxt,
  xmlSchemaNewValidCtxt,
  xmlSchemaSetValidStructuredErrors,
  xmlSchemaValidateOneElement,
} from 'libxml2-wasm/lib/libxml2.mjs';
import { resolve, sep } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../paths.js';
import { clientFault, type FaultDiagnostic } from './faults.js';
import { childElementsOf, elementAt, nodePtr } from './treeReader.js';

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

/** A parsed request body: its root element, and the document's memory to give back. */
export interface ParsedRequest {
  readonly root: XmlElement;
  /** Frees the document (once; the root and every element read from it are then invalid). */
  dispose(): void;
}

/**
 * One libxml2 parser context per process, reused from request to request: a new context per
 * parse (what XmlDocument.fromBuffer does) allocated and freed its name dictionary, input and
 * node stacks each time. xmlCtxtReadMemory resets the context before each document. The names
 * of every document parsed go into the context's dictionary, which the documents share, so the
 * context is replaced after PARSER_BYTES bytes or PARSER_DOCUMENTS documents: a caller sending
 * ever new element names grows it by at most that much.
 */
const PARSER_BYTES = 4 * 1024 * 1024;
const PARSER_DOCUMENTS = 2000;
class RequestParser {
  private ctxt = 0;
  private bytes = 0;
  private documents = 0;
  private readonly errors: ErrorDetail[] = [];
  private readonly errorSlot = error.storage.allocate(this.errors);

  parse(body: Buffer): number {
    if (this.ctxt === 0 || this.bytes > PARSER_BYTES || this.documents >= PARSER_DOCUMENTS) this.renew();
    this.bytes += body.length;
    this.documents++;
    this.errors.length = 0;
    const doc = xmlReadMemory(this.ctxt, body, null, null, REQUEST_OPTIONS);
    // Warnings (level 1) leave a valid document; an error or a fatal error refuses it.
    if (doc === 0 || this.errors.some((d) => d.level >= 2)) {
      if (doc !== 0) xmlFreeDoc(doc);
      const details = this.errors.splice(0);
      throw clientFault('XML_MALFORME', 'Le message n\'est pas un XML bien formé.', diagnostics(details));
    }
    return doc;
  }

  private renew(): void {
    // Documents already parsed keep a reference to the old dictionary: freeing the context
    // leaves it to them.
    if (this.ctxt !== 0) xmlFreeParserCtxt(this.ctxt);
    this.ctxt = xmlNewParserCtxt();
    if (this.ctxt === 0) throw new Error('libxml2: no memory for a parser context');
    xmlCtxtSetErrorHandler(this.ctxt, error.errorCollector, this.errorSlot);
    this.bytes = 0;
    this.documents = 0;
  }
}
const requestParser = new RequestParser();

/** Parses an untrusted request body. Throws a Client fault on malformed XML. */
export function parseRequest(body: Buffer): ParsedRequest {
  let doc = requestParser.parse(body);
  const rootPtr = xmlDocGetRootElement(doc);
  if (rootPtr === 0) {
    xmlFreeDoc(doc);
    throw clientFault('XML_MALFORME', 'Le message n\'a pas d\'élément racine.');
  }
  const root = elementAt(rootPtr);
  return {
    root,
    dispose() {
      if (doc === 0) return;
      // Code reading `element.doc` makes the package wrap the document and register it for
      // freeing when collected: then the wrapper frees it, once.
      const wrapper = (XmlDocument as unknown as { peekInstance(p: number): XmlDocument | null }).peekInstance(doc);
      if (wrapper) wrapper.dispose();
      else xmlFreeDoc(doc);
      doc = 0;
    },
  };
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


/**
 * One libxml2 validation context per compiled schema, reused from call to call: the package's
 * XsdValidator.validate() makes one (and an error slot) and frees it on every call. libxml2 resets
 * the context at the start of each validation and clears it at the end (xmlSchemaVStart, as
 * xmllint does for several files), and JavaScript runs one validation at a time. A context
 * belongs to the schema pointer it was made for; it is freed when its validator is collected.
 */
interface ValidationContext {
  schema: number;
  ctxt: number;
  slot: number;
  errors: ErrorDetail[];
}
const validationContexts = new WeakMap<XsdValidator, ValidationContext>();
const freeValidationContext = new FinalizationRegistry<{ ctxt: number; slot: number }>(({ ctxt, slot }) => {
  xmlSchemaFreeValidCtxt(ctxt);
  error.storage.free(slot);
});
function validationContext(validator: XsdValidator): ValidationContext {
  const schema = (validator as unknown as { _ptr: number })._ptr;
  let vc = validationContexts.get(validator);
  if (vc && vc.schema === schema) return vc;
  if (schema === 0) throw new Error('XSD validator used after dispose()');
  const ctxt = xmlSchemaNewValidCtxt(schema);
  if (ctxt === 0) throw new Error('libxml2: no memory for a schema validation context');
  const errors: ErrorDetail[] = [];
  const slot = error.storage.allocate(errors);
  xmlSchemaSetValidStructuredErrors(ctxt, error.errorCollector, slot);
  vc = { schema, ctxt, slot, errors };
  validationContexts.set(validator, vc);
  freeValidationContext.register(validator, { ctxt, slot });
  return vc;
}

/** Validates one element (and its subtree) against a compiled schema; faults list every error. */
export function validateElement(validator: XsdValidator, el: XmlElement, what: string): void {
  const vc = validationContext(validator);
  vc.errors.length = 0;
  const ret = xmlSchemaValidateOneElement(vc.ctxt, nodePtr(el));
  if (ret < 0) throw new Error(`libxml2: schema validation failed (${ret})`);
  if (ret > 0) {
    const details = vc.errors.splice(0);
    throw clientFault('SCHEMA_INVALIDE', `${what} ne respecte pas le schéma (${details.length} erreur(s)).`, diagnostics(details));
  }
}

/** The element children of an element (treeReader.ts childElementsOf). */
export const elementChildren = childElementsOf;
