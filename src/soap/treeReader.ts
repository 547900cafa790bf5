import { XmlElement } from 'libxml2-wasm';
// The struct readers libxml2-wasm itself uses for its node classes (same package, same layout).
import { XmlNamedNodeStruct, XmlNodeStruct, XmlNsStruct, XmlTreeCommonStruct } from 'libxml2-wasm/lib/libxml2.mjs';
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
const ELEMENT_PROTOTYPE: object = XmlElement.prototype;
/**
 * A wrapper for an element node read in place: the package's XmlElement, with nothing
 * registered and nothing to free (its constructor only sets `_nodePtr`). Made with Object.create
 * rather than `new XmlElement(ptr)`: V8 never keeps an optimized version of the package's
 * decorated constructor (every compile is aborted on a map dependency and retried, ~75 times
 * a second per process under load, 7% of a process's CPU in the compiler thread; 1 M
 * `new XmlElement` took 142 ms, Object.create 29 ms).
 */
export const elementAt = (ptr: number): XmlElement => {
  const el = Object.create(ELEMENT_PROTOTYPE) as { _nodePtr: number };
  el._nodePtr = ptr;
  return el as unknown as XmlElement;
};
const nameOf = (ptr: number): string => XmlTreeCommonStruct.name_(ptr);
const textOf = (ptr: number): string => XmlTreeCommonStruct.name_(ptr + CONTENT_MINUS_NAME);

/** The element children of a node, as node pointers (text, comments and processing instructions skipped). */
export function childElementPtrs(ptr: number): number[] {
  const out: number[] = [];
  for (let n = XmlTreeCommonStruct.children(ptr); n; n = XmlTreeCommonStruct.next(n)) if (XmlTreeCommonStruct.type(n) === ELEMENT) out.push(n);
  return out;
}

/**
 * The element children of an element, each wrapped by elementAt. libxml2-wasm's firstChild/next
 * wrap every node through the package's constructors, which V8 never keeps optimized (see
 * elementAt), and stop at a processing instruction.
 */
export function childElementsOf(el: XmlElement): XmlElement[] {
  return childElementPtrs(nodePtr(el)).map(elementAt);
}

/**
 * The value of an element's attribute: with no namespace when namespaceUri is undefined (as
 * `el.attr(name)`), else in that namespace whatever its prefix. Read in place, like convert below;
 * `el.attr` wraps the attribute in a new XmlAttribute for each read.
 */
export function attrValue(el: XmlElement, name: string, namespaceUri?: string): string | undefined {
  for (let a = XmlNodeStruct.properties(nodePtr(el)); a; a = XmlTreeCommonStruct.next(a)) {
    if (nameOf(a) !== name) continue;
    const ns = XmlNamedNodeStruct.namespace(a);
    if (namespaceUri === undefined ? ns !== 0 : ns === 0 || XmlNsStruct.href(ns) !== namespaceUri) continue;
    let value = '';
    for (let t = XmlTreeCommonStruct.children(a); t; t = XmlTreeCommonStruct.next(t)) value += textOf(t);
    return value;
  }
  return undefined;
}

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
