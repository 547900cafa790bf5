import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { XmlDocument, XmlElement, type XmlTreeNode } from 'libxml2-wasm';
import { attrValue, childElementsOf, elementAt, nodePtr, readTree } from '../../src/soap/treeReader.js';
import { compileSchemaFile, validateElement } from '../../src/soap/xml.js';
import { domToObject, toObject, treeReaderAgrees } from '../../src/soap/toObject.js';
import { PROJECT_ROOT } from '../support/cli.js';
import { depositXml } from '../support/http.js';
import { prng } from '../support/load.js';

function both(xml: string, opaque?: ReadonlySet<string>): void {
  const doc = XmlDocument.fromString(xml);
  try {
    expect(readTree(doc.root, opaque)).toEqual(domToObject(doc.root, opaque));
    expect(toObject(doc.root, opaque)).toEqual(domToObject(doc.root, opaque));
  } finally {
    doc.dispose();
  }
}

/** Every element of a document, through the package's own node classes (firstChild/next). */
function packageElements(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [root];
  for (let n: XmlTreeNode | null = root.firstChild; n; n = n.next) if (n instanceof XmlElement) out.push(...packageElements(n));
  return out;
}

/** childElementsOf and attrValue give what the package's node classes give, on every element. */
function sameAsPackage(xml: string): number {
  const doc = XmlDocument.fromString(xml);
  let checked = 0;
  try {
    for (const el of packageElements(doc.root)) {
      const expected: XmlElement[] = [];
      for (let n: XmlTreeNode | null = el.firstChild; n; n = n.next) if (n instanceof XmlElement) expected.push(n);
      const got = childElementsOf(el);
      expect(got.map(nodePtr)).toEqual(expected.map(nodePtr));
      expect(got.map((e) => [e.name, e.namespaceUri, e instanceof XmlElement])).toEqual(expected.map((e) => [e.name, e.namespaceUri, true]));
      for (const a of el.attrs) {
        // No namespace: as el.attr(name); with one: any prefix bound to that namespace.
        if (!a.namespaceUri) expect(attrValue(el, a.name)).toBe(el.attr(a.name)?.value);
        else expect(attrValue(el, a.name, a.namespaceUri)).toBe(el.attrs.find((b) => b.name === a.name && b.namespaceUri === a.namespaceUri)!.value);
        checked++;
      }
      expect(attrValue(el, 'absent')).toBeUndefined();
    }
  } finally {
    doc.dispose();
  }
  return checked;
}

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

describe('reading the parsed tree in place gives what the node classes give', () => {
  it('the start-up check passes on this libxml2-wasm (else the node classes are used)', () => {
    expect(treeReaderAgrees()).toBe(true);
  });

  it('a deposit envelope, with and without its form kept opaque', () => {
    const xml = depositXml('urn:fr:esav:signalisation:v1', 'ETH-0001', { ext: 'REF &amp; "1"', comment: 'é<![CDATA[ <b> ]]>ü 𝄞' });
    both(xml);
    both(xml, new Set(['formulaire']));
  });

  it('every WSDL and XSD of the project (attributes, nesting, repetition, documentation text)', () => {
    const all = [...files(join(PROJECT_ROOT, 'wsdl'), '.wsdl'), ...files(join(PROJECT_ROOT, 'wsdl'), '.xsd'), ...files(join(PROJECT_ROOT, 'xsd'), '.xsd')];
    expect(all.length).toBeGreaterThan(10);
    for (const f of all) both(readFileSync(f, 'utf8'));
  });

  it('a processing instruction among the children is skipped (the node classes stopped the conversion there)', () => {
    const doc = XmlDocument.fromString('<r><a>1</a><?pi x?><b>2</b><c k="v"/></r>');
    try {
      expect(readTree(doc.root)).toEqual({ a: '1', b: '2', c: { '@k': 'v' } });
      expect(toObject(doc.root)).toEqual({ a: '1', b: '2', c: { '@k': 'v' } });
    } finally {
      doc.dispose();
    }
  });

  it('2,000 seeded random documents: entities, character references, CDATA, comments, mixed content, multi-byte text', () => {
    const rnd = prng(42);
    const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
    const texts = ['', ' ', 'a', 'é', '𝄞x', '&amp;', '&lt;&gt;', '&#233;&#x1F600;', '\r\n', 'x y\tz', '"\''];
    const names = ['a', 'b', 'p:c', 'd', 'ü'];
    const node = (depth: number): string => {
      const name = pick(names);
      const attrs = rnd() < 0.4 ? ` k="${pick(texts).replace(/"/g, '&quot;')}"${rnd() < 0.3 ? ` p:q="${pick(texts).replace(/"/g, '&quot;')}"` : ''}` : '';
      let inner = '';
      const n = depth > 3 ? 0 : Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        inner += r < 0.5 ? node(depth + 1) : r < 0.7 ? pick(texts) : r < 0.85 ? `<![CDATA[${pick(['<x>', ']] >', 'é'])}]]>` : '<!-- c -->';
      }
      if (n === 0 && rnd() < 0.5) inner = pick(texts);
      return `<${name}${attrs}>${inner}</${name}>`;
    };
    for (let i = 0; i < 2000; i++) {
      both(`<?xml version="1.0" encoding="UTF-8"?><root xmlns:p="urn:p">${node(0)}${node(0)}</root>`, rnd() < 0.3 ? new Set(['b']) : undefined);
    }
  });
});

describe('element wrappers and attributes read in place', () => {
  it('elementAt makes the package\'s XmlElement: its getters, attr and XSD validation work on it', () => {
    const doc = XmlDocument.fromString('<r xmlns="urn:fr:esav:signalisation:v1"><referenceSignalisation a="1">S26-0000-0000-0</referenceSignalisation></r>');
    try {
      const el = elementAt(nodePtr(doc.root));
      expect(el).toBeInstanceOf(XmlElement);
      expect([el.name, el.namespaceUri, el.line]).toEqual(['r', 'urn:fr:esav:signalisation:v1', 1]);
      const [child] = childElementsOf(el);
      expect([child!.name, child!.attr('a')?.value, child!.content]).toEqual(['referenceSignalisation', '1', 'S26-0000-0000-0']);
    } finally {
      doc.dispose();
    }
    const validator = compileSchemaFile(join(PROJECT_ROOT, 'wsdl', 'signalisation', 'v1', 'signalisation.xsd'));
    const ok = XmlDocument.fromString('<s:consulterEtatSignalisation xmlns:s="urn:fr:esav:signalisation:v1"><s:referenceSignalisation>S26-0000-0000-0</s:referenceSignalisation></s:consulterEtatSignalisation>');
    const bad = XmlDocument.fromString('<s:consulterEtatSignalisation xmlns:s="urn:fr:esav:signalisation:v1"><s:inconnu/></s:consulterEtatSignalisation>');
    try {
      expect(() => validateElement(validator, elementAt(nodePtr(ok.root)), 'La requête')).not.toThrow();
      expect(() => validateElement(validator, elementAt(nodePtr(bad.root)), 'La requête')).toThrow(/SCHEMA_INVALIDE|schéma/);
    } finally {
      ok.dispose();
      bad.dispose();
      validator.dispose();
    }
  });

  it('a processing instruction among the children does not hide the elements after it (the package\'s next stops there)', () => {
    const doc = XmlDocument.fromString('<r><a/><?pi x?><b/><!-- c -->t<c/></r>');
    try {
      expect(childElementsOf(doc.root).map((e) => e.name)).toEqual(['a', 'b', 'c']);
    } finally {
      doc.dispose();
    }
  });

  it('attributes: no namespace unless one is asked for, then whatever the prefix; entities and character references expanded', () => {
    const doc = XmlDocument.fromString('<r xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:other" k="a &amp; &#233;" s:mustUnderstand="1" o:x="2"><c t:mustUnderstand="true"/></r>');
    try {
      const root = doc.root;
      const soap = 'http://schemas.xmlsoap.org/soap/envelope/';
      expect(attrValue(root, 'k')).toBe('a & é');
      expect(attrValue(root, 'mustUnderstand')).toBeUndefined();
      expect(attrValue(root, 'mustUnderstand', soap)).toBe('1');
      expect(attrValue(root, 'x')).toBeUndefined();
      expect(attrValue(root, 'x', soap)).toBeUndefined();
      expect(attrValue(root, 'x', 'urn:other')).toBe('2');
      expect(attrValue(childElementsOf(root)[0]!, 'mustUnderstand', soap)).toBe('true');
    } finally {
      doc.dispose();
    }
  });

  it('the same children and attribute values as the package\'s node classes: every WSDL and XSD, and 1,000 seeded random documents', () => {
    const all = [...files(join(PROJECT_ROOT, 'wsdl'), '.wsdl'), ...files(join(PROJECT_ROOT, 'xsd'), '.xsd')];
    let attrs = 0;
    for (const f of all) attrs += sameAsPackage(readFileSync(f, 'utf8'));
    const rnd = prng(7);
    const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
    const values = ['', 'v', '&amp;', '&#233;x', '"', 'a b'];
    const node = (depth: number): string => {
      const name = pick(['a', 'b', 'p:c', 'q:d']);
      const attrs = [' k', ' p:k', ' q:k', ' m'].filter(() => rnd() < 0.4).map((a) => `${a}="${pick(values).replace(/"/g, '&quot;')}"`).join('');
      let inner = '';
      const n = depth > 3 ? 0 : Math.floor(rnd() * 4);
      for (let i = 0; i < n; i++) inner += rnd() < 0.6 ? node(depth + 1) : pick(['t', '<!-- c -->', '<![CDATA[x]]>']);
      return `<${name}${attrs}>${inner}</${name}>`;
    };
    for (let i = 0; i < 1000; i++) attrs += sameAsPackage(`<root xmlns:p="urn:p" xmlns:q="urn:q">${node(0)}</root>`);
    expect(attrs).toBeGreaterThan(500);
  });
});
