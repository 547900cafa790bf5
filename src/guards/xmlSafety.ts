import { clientFault } from '../soap/faults.js';

const MARKUP_DECL = Buffer.from('<!');
const DOCTYPE = Buffer.from('DOCTYPE');
const ENTITY = Buffer.from('ENTITY');
// The encoding of the XML declaration, which can only come first (after an optional UTF-8 BOM).
const XML_DECL_ENCODING = /^(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']/;

/**
 * Refuses what the parser must never see: any DTD (entity expansion, XXE) and encodings other
 * than UTF-8 / ASCII-compatible ones, whose bytes would let '<!DOCTYPE' slip past this scan.
 */
export function assertSafeXml(body: Buffer): void {
  if (body.length >= 2 && ((body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe) || body[0] === 0 || body[1] === 0)) {
    throw clientFault('ENCODAGE_NON_SUPPORTE', 'Seuls les messages encodés en UTF-8 sont acceptés.');
  }
  // ASCII-compatible bytes but another declared encoding (ISO-8859-1, UTF-7...): libxml2 would
  // decode it, against the documented UTF-8-only contract (and UTF-7 can hide markup from the scan).
  const declared = startsWithDeclaration(body) ? XML_DECL_ENCODING.exec(body.subarray(0, 256).toString('latin1')) : null;
  if (declared && !/^(utf-?8|us-ascii|ascii)$/i.test(declared[1]!)) {
    throw clientFault('ENCODAGE_NON_SUPPORTE', `Encodage déclaré "${declared[1]}" refusé : seuls les messages encodés en UTF-8 sont acceptés.`);
  }
  if (hasDeclaration(body)) {
    throw clientFault('DOCTYPE_INTERDIT', 'Les déclarations DOCTYPE et ENTITY sont interdites dans les messages SOAP.');
  }
}

/** '<?' first, after an optional UTF-8 BOM: only then can there be an XML declaration. */
function startsWithDeclaration(body: Buffer): boolean {
  const at = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  return body[at] === 0x3c && body[at + 1] === 0x3f;
}

function startsAt(body: Buffer, at: number, word: Buffer): boolean {
  return at + word.length <= body.length && body.compare(word, 0, word.length, at, at + word.length) === 0;
}

/** '<!DOCTYPE' or '<!ENTITY' anywhere: one scan for '<!' (comments and CDATA are the rare other ones). */
function hasDeclaration(body: Buffer): boolean {
  for (let i = body.indexOf(MARKUP_DECL); i !== -1; i = body.indexOf(MARKUP_DECL, i + 2)) {
    if (startsAt(body, i + 2, DOCTYPE) || startsAt(body, i + 2, ENTITY)) return true;
  }
  return false;
}

/** SOAP 1.1 over HTTP is text/xml. */
export function assertSoapContentType(contentType: string | undefined): void {
  if (contentType === 'text/xml; charset=utf-8' || contentType === 'text/xml;charset=UTF-8' || contentType === 'text/xml') return;
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'text/xml') {
    throw clientFault('TYPE_CONTENU_INCORRECT', `Content-Type "${contentType ?? ''}" refusé : SOAP 1.1 attend text/xml; charset=utf-8.`);
  }
}
