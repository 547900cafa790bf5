import { clientFault } from '../soap/faults.js';

const DOCTYPE = Buffer.from('<!DOCTYPE');
const ENTITY = Buffer.from('<!ENTITY');
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
  const declared = XML_DECL_ENCODING.exec(body.subarray(0, 256).toString('latin1'));
  if (declared && !/^(utf-?8|us-ascii|ascii)$/i.test(declared[1]!)) {
    throw clientFault('ENCODAGE_NON_SUPPORTE', `Encodage déclaré "${declared[1]}" refusé : seuls les messages encodés en UTF-8 sont acceptés.`);
  }
  if (body.includes(DOCTYPE) || body.includes(ENTITY)) {
    throw clientFault('DOCTYPE_INTERDIT', 'Les déclarations DOCTYPE et ENTITY sont interdites dans les messages SOAP.');
  }
}

/** SOAP 1.1 over HTTP is text/xml. */
export function assertSoapContentType(contentType: string | undefined): void {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'text/xml') {
    throw clientFault('TYPE_CONTENU_INCORRECT', `Content-Type "${contentType ?? ''}" refusé : SOAP 1.1 attend text/xml; charset=utf-8.`);
  }
}
