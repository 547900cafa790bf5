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
/** Escapes for text and double-quoted attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ESC[c]!);
}

function text(v: string | number | boolean | Date): string {
  if (v instanceof Date) return v.toISOString();
  return escapeXml(String(v));
}

function element(name: string, v: OutValue, out: string[]): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const item of v) element(name, item, out);
    return;
  }
  if (v instanceof RawXml) {
    out.push(`<${name}>${v.xml}</${name}>`);
    return;
  }
  if (typeof v === 'object' && !(v instanceof Date)) {
    let attrs = '';
    const kids: string[] = [];
    for (const [k, child] of Object.entries(v)) {
      if (k.startsWith('@')) {
        if (child !== undefined && child !== null) attrs += ` ${k.slice(1)}="${text(child as string)}"`;
      } else element(k, child, kids);
    }
    out.push(`<${name}${attrs}>`, ...kids, `</${name}>`);
    return;
  }
  out.push(`<${name}>${text(v)}</${name}>`);
}

/**
 * Serialises `body` as the element `rootName` in namespace `ns`. With `qualified` children
 * inherit the namespace (elementFormDefault="qualified"); otherwise only the root carries it
 * (the Interop'Fibre schemas are unqualified).
 */
export function serializeElement(rootName: string, ns: string, body: OutObject, qualified: boolean): string {
  const kids: string[] = [];
  for (const [k, child] of Object.entries(body)) element(k, child, kids);
  if (qualified) return `<${rootName} xmlns="${ns}">${kids.join('')}</${rootName}>`;
  return `<tns:${rootName} xmlns:tns="${ns}">${kids.join('')}</tns:${rootName}>`;
}
