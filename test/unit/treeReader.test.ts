import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { XmlDocument } from 'libxml2-wasm';
import { readTree } from '../../src/soap/treeReader.js';
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
