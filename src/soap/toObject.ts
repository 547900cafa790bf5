import { XmlDocument, XmlElement, XmlText, XmlCData } from 'libxml2-wasm';
import { readTree } from './treeReader.js';

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
  return fast ? readTree(el, opaque) : domToObject(el, opaque);
}

/** The same through libxml2-wasm's node classes: the reference, and the fallback. */
export function domToObject(el: XmlElement, opaque?: ReadonlySet<string>): XmlValue {
  let out: XmlObject | undefined;
  let text = '';
  for (const a of el.attrs) (out ??= {})['@' + a.name] = a.value;
  // Each node visited costs a crossing into libxml2's wasm memory: the content of elements a
  // handler reads from the tree itself (opaque, e.g. a catalogue form) is not converted.
  if (opaque?.has(el.name)) return out ?? {};
  for (let n = el.firstChild; n; n = n.next) {
    if (n instanceof XmlElement) {
      out ??= {};
      const v = domToObject(n, opaque);
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

/**
 * Whether readTree gives what domToObject gives on a document with every kind of node it meets
 * (attributes with entities, CDATA, comments, mixed text, repetition, opaque elements; not
 * processing instructions: the node classes stop at one, readTree skips it). Run once
 * at load: a libxml2-wasm whose node layout changed falls back to the node classes.
 */
export function treeReaderAgrees(): boolean {
  const xml = '<?xml version="1.0" encoding="UTF-8"?><r xmlns="urn:x" xmlns:p="urn:p" a="1 &amp; 2" p:b="&#233;t&#xE9;"><!-- c --><x>t&lt;1&gt;</x><x><![CDATA[<cd>]]> é\r\n z</x><y/><o k="v"><i>hidden</i></o><m>a<n>b</n>c</m><p:x>ns</p:x></r>';
  const doc = XmlDocument.fromString(xml);
  try {
    const opaque = new Set(['o']);
    return JSON.stringify(readTree(doc.root, opaque)) === JSON.stringify(domToObject(doc.root, opaque));
  } catch {
    return false;
  } finally {
    doc.dispose();
  }
}
const fast = treeReaderAgrees();
