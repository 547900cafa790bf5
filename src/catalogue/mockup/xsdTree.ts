// A form XSD as a plain tree: read once with libxml2 (the same parser that compiles the schema),
// copied out of wasm memory, the document disposed. The model is built from this copy.
import { readFileSync } from 'node:fs';
import { ParseOption, XmlDocument, XmlElement, XmlParseError } from 'libxml2-wasm';
import { elementChildren } from '../../soap/xml.js';

export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** A construct of a catalogue XSD the mock-ups do not render: never rendered approximately. */
export class MockupError extends Error {}

export interface XsdNode {
  /** Local name (xsd:element -> element). */
  name: string;
  namespace: string;
  /** Unqualified attributes; xml:lang kept as 'xml:lang'. Other qualified attributes are refused. */
  attrs: Record<string, string>;
  children: XsdNode[];
  /** Text content (documentation). */
  text: string;
  line: number;
  /** In-scope namespace declarations, prefix ('' = default) -> URI, to resolve QName values. */
  namespaces: Record<string, string>;
  file: string;
}

function copy(el: XmlElement, file: string): XsdNode {
  const attrs: Record<string, string> = {};
  for (const a of el.attrs) {
    if (!a.namespaceUri) attrs[a.name] = a.value;
    else if (a.namespaceUri === XML_NS) attrs[`xml:${a.name}`] = a.value;
    else throw new MockupError(`${file}, line ${el.line}: attribute {${a.namespaceUri}}${a.name} on xsd:${el.name} is not handled by the mock-ups`);
  }
  const isDoc = el.name === 'documentation' || el.name === 'appinfo';
  return {
    name: el.name,
    namespace: el.namespaceUri,
    attrs,
    // Documentation keeps its text only; element children there are prose markup, not schema.
    children: isDoc ? [] : elementChildren(el).map((c) => copy(c, file)),
    text: isDoc ? el.content : '',
    line: el.line,
    namespaces: { ...el.namespaces },
    file,
  };
}

/** Reads a form XSD (a project file: no network, no external entities). */
export function readXsd(path: string): XsdNode {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(readFileSync(path), { url: path, option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE });
  } catch (err) {
    if (err instanceof XmlParseError) throw new MockupError(`${path} is not well-formed XML: ${err.message}`);
    throw err;
  }
  try {
    const root = copy(doc.root, path);
    if (root.name !== 'schema' || root.namespace !== XSD_NS) throw new MockupError(`${path}: not an XML Schema`);
    return root;
  } finally {
    doc.dispose();
  }
}

export const where = (n: XsdNode) => `${n.file}, line ${n.line}, xsd:${n.name}${n.attrs.name ? ` name="${n.attrs.name}"` : ''}`;

/** Resolves a QName attribute value (type="xsd:string", base="Siren") against the node's namespaces. */
export function resolveQName(n: XsdNode, value: string): { ns: string; local: string } {
  const i = value.indexOf(':');
  const prefix = i >= 0 ? value.slice(0, i) : '';
  const local = i >= 0 ? value.slice(i + 1) : value;
  const ns = n.namespaces[prefix];
  if (ns === undefined && prefix) throw new MockupError(`${where(n)}: prefix "${prefix}" of ${value} is not declared`);
  return { ns: ns ?? '', local };
}
