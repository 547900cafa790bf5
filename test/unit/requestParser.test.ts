import { describe, expect, it } from '@jest/globals';
import { parseRequest, type ParsedRequest } from '../../src/soap/xml.js';
import { SoapFault } from '../../src/soap/faults.js';
import { readTree } from '../../src/soap/treeReader.js';

// parseRequest reuses one libxml2 parser context from document to document and replaces it
// every few MB: nothing of one document may leak into the next, and documents parsed before a
// replacement stay readable (they share the old context's name dictionary).
const doc = (name: string, text: string) => Buffer.from(`<?xml version="1.0"?><${name} xmlns="urn:t"><v a="${text}">${text}</v></${name}>`);

function faultOf(body: Buffer): SoapFault {
  try {
    parseRequest(body).dispose();
  } catch (err) {
    if (err instanceof SoapFault) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseRequest with a reused parser context', () => {
  it('parses a document after a malformed one, with no error carried over', () => {
    const a = parseRequest(doc('premier', 'x'));
    expect(a.root.name).toBe('premier');
    a.dispose();
    const f = faultOf(Buffer.from('<a><b></a>'));
    expect(f.code).toBe('XML_MALFORME');
    expect(f.diagnostics.length).toBeGreaterThan(0);
    expect(f.diagnostics[0]!.line).toBe(1);
    expect(f.diagnostics.map((d) => d.message).join(' ')).toMatch(/mismatch|end tag/i);
    const b = parseRequest(doc('second', 'y'));
    expect(b.root.name).toBe('second');
    expect(b.root.namespaceUri).toBe('urn:t');
    expect(readTree(b.root)).toEqual({ v: { '@a': 'y' } });
    b.dispose();
    // The next malformed document reports only its own errors.
    const g = faultOf(Buffer.from('<x>&bogus;</x>'));
    expect(g.diagnostics.map((d) => d.message).join(' ')).toMatch(/bogus/);
    expect(g.diagnostics.map((d) => d.message).join(' ')).not.toMatch(/mismatch/i);
  });

  it('refuses an empty body and a body with no root', () => {
    expect(faultOf(Buffer.alloc(0)).code).toBe('XML_MALFORME');
    expect(faultOf(Buffer.from('<?xml version="1.0"?>')).code).toBe('XML_MALFORME');
  });

  it('keeps earlier documents readable across context replacements, and every document its own names', () => {
    const kept: Array<[ParsedRequest, string]> = [];
    // ~9 MB of documents with names never seen before: the context is replaced at least twice.
    const filler = 'z'.repeat(3000);
    for (let i = 0; i < 3000; i++) {
      const name = `e${i}_${(i * 7919) % 10007}`;
      const d = parseRequest(doc(name, `${i}${filler}`));
      expect(d.root.name).toBe(name);
      if (i % 500 === 0) kept.push([d, name]);
      else d.dispose();
    }
    for (const [d, name] of kept) {
      expect(d.root.name).toBe(name);
      expect((readTree(d.root) as { v: { '@a': string } }).v['@a']).toMatch(/^\d+z+$/);
      d.dispose();
    }
  });

  it('frees a document once, also when code asked for its XmlDocument', () => {
    const d = parseRequest(doc('racine', 'w'));
    expect(d.root.doc.root.name).toBe('racine');
    d.dispose();
    d.dispose();
    const e = parseRequest(doc('suivant', 'v'));
    expect(e.root.name).toBe('suivant');
    e.dispose();
  });
});
