import { describe, expect, it } from '@jest/globals';
import { escapeXml, RawXml, serializeElement } from '../../src/soap/serialize.js';

describe('response serialisation', () => {
  it('writes keys in order, repeats arrays, omits undefined and null, and writes Dates in UTC', () => {
    const xml = serializeElement(
      'reponse',
      'urn:x',
      {
        reference: 'S26-K7Q4-M9XD-T',
        vide: undefined,
        nul: null,
        compte: 3,
        actif: false,
        date: new Date('2026-01-05T08:00:00+01:00'),
        ligne: [{ code: 'A' }, { code: 'B', detail: { texte: 'x' } }],
        brut: new RawXml('<deja>écrit &amp; échappé</deja>'),
      },
      true,
    );
    expect(xml).toBe(
      '<reponse xmlns="urn:x"><reference>S26-K7Q4-M9XD-T</reference><compte>3</compte><actif>false</actif>' +
        '<date>2026-01-05T07:00:00.000Z</date><ligne><code>A</code></ligne><ligne><code>B</code><detail><texte>x</texte></detail></ligne>' +
        '<brut><deja>écrit &amp; échappé</deja></brut></reponse>',
    );
  });

  it('prefixes only the root when the schema is unqualified', () => {
    expect(serializeElement('r', 'http://interop-fibre.fr', { a: { b: '1' } }, false)).toBe('<tns:r xmlns:tns="http://interop-fibre.fr"><a><b>1</b></a></tns:r>');
  });

  it('writes @keys as attributes, escaped, and skips empty ones', () => {
    expect(serializeElement('r', 'urn:x', { e: { '@code': 'a"<b>&', '@absent': undefined, v: 'x' } }, true)).toBe(
      '<r xmlns="urn:x"><e code="a&quot;&lt;b&gt;&amp;"><v>x</v></e></r>',
    );
  });

  it('escapes text, and leaves text without special characters as it is', () => {
    expect(escapeXml('a & b < c > d " e')).toBe('a &amp; b &lt; c &gt; d &quot; e');
    expect(escapeXml("l'appel")).toBe("l'appel");
    const plain = 'S26-K7Q4-M9XD-T';
    expect(escapeXml(plain)).toBe(plain);
    expect(serializeElement('r', 'urn:x', { t: '<script>alert(1)</script>' }, true)).toBe('<r xmlns="urn:x"><t>&lt;script&gt;alert(1)&lt;/script&gt;</t></r>');
  });

  it('writes an empty array as nothing and an empty object as an empty element', () => {
    expect(serializeElement('r', 'urn:x', { l: [], o: {} }, true)).toBe('<r xmlns="urn:x"><o></o></r>');
  });
});
