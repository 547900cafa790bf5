import { XmlElement } from 'libxml2-wasm';
// The struct readers libxml2-wasm itself uses for its node classes (same package, same layout).
import { XmlNodeStruct, XmlTreeCommonStruct } from 'libxml2-wasm/lib/libxml2.mjs';
import type { XmlObject, XmlValue } from './toObject.js';

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
/**
 * xmlNode.content sits 32 bytes after xmlNode.name (offsets 40 and 8 in the wasm32 build): the
 * package's name reader pointed 32 bytes further reads a text node's content in place, where
 * its `content` getter copies it out through a malloc'd buffer.
 */
const CONTENT_MINUS_NAME = 32;

/** The libxml2 node an element wrapper stands for (the package keeps it in `_nodePtr`). */
export const nodePtr = (el: XmlElement): number => (el as unknown as { _nodePtr: number })._nodePtr;
/** A wrapper for an element node read in place (the package's own constructor: no registration, nothing to free). */
export const elementAt = (ptr: number): XmlElement => new (XmlElement as unknown as new (p: number) => XmlElement)(ptr);
const nameOf = (ptr: number): string => XmlTreeCommonStruct.name_(ptr);
const textOf = (ptr: number): string => XmlTreeCommonStruct.name_(ptr + CONTENT_MINUS_NAME);

function convert(ptr: number, opaque: ReadonlySet<string> | undefined): XmlValue {
  let out: XmlObject | undefined;
  for (let a = XmlNodeStruct.properties(ptr); a; a = XmlTreeCommonStruct.next(a)) {
    let value = '';
    for (let t = XmlTreeCommonStruct.children(a); t; t = XmlTreeCommonStruct.next(t)) value += textOf(t);
    (out ??= {})['@' + nameOf(a)] = value;
  }
  if (opaque !== undefined && opaque.has(nameOf(ptr))) return out ?? {};
  let text = '';
  for (let n = XmlTreeCommonStruct.children(ptr); n; n = XmlTreeCommonStruct.next(n)) {
    const type = XmlTreeCommonStruct.type(n);
    if (type === ELEMENT) {
      out ??= {};
      const name = nameOf(n);
      const v = convert(n, opaque);
      const prev = out[name];
      if (prev === undefined) out[name] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else out[name] = [prev, v];
    } else if (type === TEXT || type === CDATA) {
      text += textOf(n);
    }
  }
  return out ?? text;
}

/**
 * toObject (toObject.ts) reading libxml2's tree in place: no node wrapper, no copy of each text
 * through malloc. The same result, checked against toObject by the tests and once at start
 * (`treeReaderAgrees`); the converter falls back to toObject if that check ever fails.
 */
export function readTree(el: XmlElement, opaque?: ReadonlySet<string>): XmlValue {
  return convert(nodePtr(el), opaque);
}
