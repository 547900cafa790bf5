/**
 * Builds response XML from the plain objects handlers return. Key order is element order (the
 * schemas use xs:sequence, so handlers build objects in schema order); arrays repeat an element;
 * undefined and null are omitted; '@name' keys are attributes; Dates are xs:dateTime in UTC.
 */
export type OutValue = string | number | boolean | Date | RawXml | OutObject | OutValue[] | null | undefined;

/** Content already serialised (and escaped) by the handler, written as is inside its element. */
export class RawXml {
  constructor(readonly xml: string) {}
}
export interface OutObject {
  [name: string]: OutValue;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const NEEDS_ESCAPE = /[&<>"]/;
/** Escapes for text and double-quoted attribute values. */
export function escapeXml(s: string): string {
  // Most values (references, codes, dates) have nothing to escape: test before replacing.
  return NEEDS_ESCAPE.test(s) ? s.replace(/[&<>"]/g, (c) => ESC[c]!) : s;
}

function text(v: string | number | boolean | Date): string {
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

// Built by string concatenation, keys read with for...in: arrays of parts, Object.entries and
// the spread of the children cost ~2% of a state query's CPU.
function element(name: string, v: OutValue): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) {
    let xml = '';
    for (const item of v) xml += element(name, item);
    return xml;
  }
  if (v instanceof RawXml) return `<${name}>${v.xml}</${name}>`;
  if (typeof v === 'object' && !(v instanceof Date)) {
    let attrs = '';
    let kids = '';
    for (const k in v) {
      const child = v[k];
      if (k.startsWith('@')) {
        if (child !== undefined && child !== null) attrs += ` ${k.slice(1)}="${text(child as string)}"`;
      } else kids += element(k, child);
    }
    return `<${name}${attrs}>${kids}</${name}>`;
  }
  return `<${name}>${text(v)}</${name}>`;
}

/**
 * Serialises `body` as the element `rootName` in namespace `ns`. With `qualified` children
 * inherit the namespace (elementFormDefault="qualified"); otherwise only the root carries it
 * (the Interop'Fibre schemas are unqualified).
 */
export function serializeElement(rootName: string, ns: string, body: OutObject, qualified: boolean): string {
  let kids = '';
  for (const k in body) kids += element(k, body[k]);
  if (qualified) return `<${rootName} xmlns="${ns}">${kids}</${rootName}>`;
  return `<tns:${rootName} xmlns:tns="${ns}">${kids}</tns:${rootName}>`;
}
