import { XmlElement, XmlText, XmlCData } from 'libxml2-wasm';

/** A validated payload as plain data: element local names as keys, text as strings. */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue | undefined;
}

/**
 * Turns a schema-validated element into plain data for handlers, so that they never touch XML:
 * leaf elements become strings, others objects; a repeated name becomes an array; attributes are
 * keyed '@name'. Namespaces are dropped here on purpose: the schema already fixed them.
 * toObject never returns an array for one element, so an array always means repetition.
 * Elements named in `opaque` keep their attributes only.
 */
export function toObject(el: XmlElement, opaque?: ReadonlySet<string>): XmlValue {
  let out: XmlObject | undefined;
  let text = '';
  for (const a of el.attrs) (out ??= {})['@' + a.name] = a.value;
  // Each node visited costs a crossing into libxml2's wasm memory: the content of elements a
  // handler reads from the tree itself (opaque, e.g. a catalogue form) is not converted.
  if (opaque?.has(el.name)) return out ?? {};
  for (let n = el.firstChild; n; n = n.next) {
    if (n instanceof XmlElement) {
      out ??= {};
      const v = toObject(n, opaque);
      const prev = out[n.name];
      if (prev === undefined) out[n.name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[n.name] = [prev, v];
    } else if (n instanceof XmlText || n instanceof XmlCData) {
      text += n.content;
    }
  }
  return out ?? text;
}

/** A field that may occur once or several times, as a list. */
export function asList(v: XmlValue | undefined): XmlValue[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function str(v: XmlValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: XmlValue | undefined): XmlObject | undefined {
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
}
