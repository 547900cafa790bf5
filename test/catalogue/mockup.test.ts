import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { CATALOGUE_DIR, CatalogueRegistry, loadCatalogueVersion, validateFormDocument, type CatalogueVersion } from '../../src/catalogue/index.js';
import { SoapFault } from '../../src/soap/faults.js';
import { elementsOf, formModel, MockupError, type ElementModel, type FormModel } from '../../src/catalogue/mockup/model.js';
import { parseXsdRegex, RegexError, samplePattern, toJsPattern, toRegExp } from '../../src/catalogue/mockup/regex.js';
import { examplesIn, sampleForm, violation } from '../../src/catalogue/mockup/sample.js';
import { htmlPattern } from '../../src/catalogue/mockup/html.js';
import { buildVersionMockup, MockupSite, versionsOnDisk } from '../../src/catalogue/mockup/site.js';
import { catalogueMockupRouter } from '../../src/catalogue/mockup/router.js';
import { esav } from '../support/cli.js';
import { FIXTURES } from './helpers.js';

const MOCKUP_FIXTURES = join(FIXTURES, 'mockup');
const tmp = mkdtempSync(join(tmpdir(), 'esav-mockup-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs fn with a catalogue version loaded from disk (any status), its validators disposed after. */
function withVersion<T>(dir: string, fn: (v: CatalogueVersion, reg: CatalogueRegistry) => T): T {
  const v = loadCatalogueVersion(dir);
  const reg = new CatalogueRegistry();
  reg.add({ ...v, status: 'live' });
  try {
    return fn(v, reg);
  } finally {
    reg.dispose();
  }
}

/** The gateway's own check of a deposited form, on a standalone document; the fault code or 'OK'. */
function validate(reg: CatalogueRegistry, version: string, code: string, offer: string, xml: string): string {
  try {
    validateFormDocument(reg, version, code, offer, xml);
    return 'OK';
  } catch (err) {
    if (err instanceof SoapFault) return err.code;
    throw err;
  }
}

const shape = (e: ElementModel) => `${e.path}[${e.minOccurs}..${e.maxOccurs === Infinity ? 'n' : e.maxOccurs}]`;

describe('the model read from the catalogue XSDs', () => {
  const model = (version: string, code: string): FormModel => withVersion(join(CATALOGUE_DIR, version), (v) => formModel(version, v.forms.get(code)!));

  it('FTTH_ACCES 2026-11: fields in schema order, with nesting and occurrences', () => {
    const m = model('2026-11', 'FTTH_ACCES');
    expect({ element: m.element, namespace: m.namespace, file: m.file, offers: m.offers }).toEqual({
      element: 'formulaireFtthAcces', namespace: 'urn:fr:esav:catalogue:2026-11:ftth-acces', file: 'ftth-acces.xsd', offers: ['FTTH_ACCES'],
    });
    expect(m.title).toBe("Formulaire de signalisation d'un accès FTTH (fibre jusqu'à l'abonné), catalogue 2026-11.");
    expect(elementsOf(m.root).map(shape)).toEqual([
      'refPto[1..1]', 'sirenSiteClient[0..1]',
      'contact[1..1]', 'contact/nom[1..1]', 'contact/telephone[1..1]', 'contact/email[0..1]',
      'acces[0..1]', 'acces/batiment[0..1]', 'acces/escalier[0..1]', 'acces/etage[0..1]', 'acces/porte[0..1]', 'acces/digicode[0..1]', 'acces/commentaireAcces[0..1]',
      'localisationDefaut[1..1]',
      'plagesProposees[0..1]', 'plagesProposees/plage[1..3]', 'plagesProposees/plage/debut[1..1]', 'plagesProposees/plage/fin[1..1]',
    ]);
  });

  it('FTTH_ACCES 2026-06: localisationDefaut optional, no plagesProposees', () => {
    const m = model('2026-06', 'FTTH_ACCES');
    expect(elementsOf(m.root).filter((e) => !e.path.includes('/')).map(shape)).toEqual([
      'refPto[1..1]', 'sirenSiteClient[0..1]', 'contact[1..1]', 'acces[0..1]', 'localisationDefaut[0..1]',
    ]);
  });

  it('types: named simple types with their restrictions and documentation, anonymous ones, built-ins', () => {
    const m = model('2026-11', 'FTTH_ACCES');
    const at = (p: string) => elementsOf(m.root).find((e) => e.path === p)!;
    expect(at('refPto').simple).toEqual({
      name: 'ReferencePto', builtin: 'string', facets: { patterns: [['[A-Z]{2}-[0-9]{4}-[0-9]{4}']] }, doc: expect.stringContaining('Exemple : FI-1234-5678.'),
    });
    expect(at('contact/email').simple).toMatchObject({ name: 'Email', builtin: 'string', facets: { maxLength: 254, patterns: [['[^@\\s]+@[^@\\s]+\\.[^@\\s]+']] } });
    expect(at('contact/nom').simple).toMatchObject({ name: undefined, builtin: 'string', facets: { minLength: 1, maxLength: 100, patterns: [] } });
    expect(at('plagesProposees/plage/debut').simple).toMatchObject({ name: 'Horodatage', builtin: 'dateTime', facets: { patterns: [['.+(Z|[+\\-][0-9]{2}:[0-9]{2})']] } });
    expect(at('localisationDefaut').simple!.facets.enumeration).toEqual([
      { value: 'PTO', doc: 'Prise terminale optique, chez le client final.' },
      { value: 'PBO', doc: 'Point de branchement optique (palier, façade, poteau ou chambre).' },
      { value: 'PM', doc: 'Point de mutualisation.' },
      { value: 'RESEAU_TRANSPORT', doc: 'Réseau de transport, en amont du point de mutualisation.' },
      { value: 'INCONNUE', doc: 'Localisation non déterminée.' },
    ]);
    expect(at('contact').complex).toMatchObject({ name: 'Contact', doc: expect.stringContaining('technicien') });
    // Top-level labels are the nomenclature's; nested ones the first sentence of the documentation.
    expect(at('refPto').label).toBe('Référence de la prise terminale optique (Ref PTO)');
    expect(at('contact/nom').label).toBe('Nom et prénom du contact');
    const cuivre = model('2026-11', 'CUIVRE_ACCES');
    expect(elementsOf(cuivre.root).map((e) => `${e.name}:${e.simple!.name ?? ''}:${e.simple!.builtin}`)).toEqual([
      'numeroLigne:NumeroLigne:string', 'typeDefaut:TypeDefaut:string', 'testEffectue::boolean',
    ]);
  });

  it('the test fixture: xs prefix, named group, choice, derived type (two pattern steps), numbers, repetition', () => {
    const m = withVersion(join(MOCKUP_FIXTURES, '2027-01'), (v) => formModel('2027-01', v.forms.get('DEMO')!));
    expect(elementsOf(m.root).map(shape)).toEqual([
      'demandeur[1..1]', 'demandeur/nom[1..1]', 'demandeur/code[1..1]',
      'joignable[1..1]', 'joignable/telephone[1..1]', 'joignable/courriel[1..1]',
      'canal[1..1]', 'dateConstat[1..1]', 'ligne[1..n]', 'ligne/quantite[1..1]', 'ligne/montant[0..1]', 'urgent[0..1]', 'reference[0..1]',
    ]);
    expect(m.root.complex!.content!.particles[1]).toMatchObject({ kind: 'element', name: 'joignable', complex: { content: { kind: 'choice' } } });
    const code = elementsOf(m.root).find((e) => e.path === 'demandeur/code')!.simple!;
    expect(code).toMatchObject({ name: 'CodeCourt', builtin: 'token', facets: { maxLength: 10, patterns: [['[A-Z]{2}\\d{3}|X-\\d+'], ['[A-M].*']] } });
    expect(elementsOf(m.root).find((e) => e.path === 'ligne/montant')!.simple!.facets).toMatchObject({ totalDigits: 6, fractionDigits: 2, minExclusive: '0' });
  });
});

describe('samples', () => {
  // Every form of every catalogue version on disk: a new catalogue is checked without a new test.
  const cases = versionsOnDisk().flatMap((version) =>
    withVersion(join(CATALOGUE_DIR, version), (v) => [...v.forms.keys()].map((code) => [version, code] as const)),
  );

  it('there are forms to check (both catalogue versions, three forms each)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(['2026-06', '2026-11']));
  });

  it.each(cases)('catalogue %s, form %s: the sample validates with the gateway, and breaking any constrained field breaks it', (version, code) => {
    withVersion(join(CATALOGUE_DIR, version), (v, reg) => {
      const spec = v.forms.get(code)!;
      const m = formModel(version, spec);
      const { xml, values } = sampleForm(m);
      expect(validate(reg, version, code, spec.offers[0]!, xml)).toBe('OK');
      // Same XSD, same sample.
      expect(sampleForm(formModel(version, spec)).xml).toBe(xml);
      for (const e of elementsOf(m.root)) {
        const text = new RegExp(`<f:${e.name}>[^<]*</f:${e.name}>`);
        const element = new RegExp(`\\s*<f:${e.name}>[\\s\\S]*?</f:${e.name}>`);
        // A mandatory top-level field removed: refused.
        if (!e.path.includes('/') && e.minOccurs >= 1) expect(validate(reg, version, code, spec.offers[0]!, xml.replace(element, ''))).toBe('SCHEMA_INVALIDE');
        // A value that breaks the field's pattern, enumeration or type: refused.
        if (e.simple && (e.simple.facets.patterns.length || e.simple.facets.enumeration || e.simple.builtin !== 'string')) {
          const good = values.get(e.path)!;
          const bad = [`§${good}§`, `${good} ${good}`, '@@'].find((b) => violation(e.simple!, b) !== undefined);
          expect(`${e.path}: ${bad}`).not.toBe(`${e.path}: undefined`);
          // libxml2 agrees with the mock-ups' own reading of the type.
          expect(validate(reg, version, code, spec.offers[0]!, xml.replace(text, `<f:${e.name}>${bad}</f:${e.name}>`))).toBe('SCHEMA_INVALIDE');
        }
      }
    });
  });

  it('uses the documentation examples when they satisfy the type, the first allowed value, else generates one', () => {
    const xml = withVersion(join(CATALOGUE_DIR, '2026-11'), (v) => sampleForm(formModel('2026-11', v.forms.get('FTTH_ACCES')!)).xml);
    expect(xml).toContain('<f:refPto>FI-1234-5678</f:refPto>');
    expect(xml).toContain('<f:telephone>0612345678</f:telephone>');
    expect(xml).toContain('<f:localisationDefaut>PTO</f:localisationDefaut>');
    expect(xml).toContain('<f:debut>2026-11-16T09:00:00+01:00</f:debut>');
    expect(xml).toContain('<f:fin>2026-11-16T12:00:00+01:00</f:fin>');
    // No example: generated from the pattern.
    expect(xml).toContain('<f:email>a@a.a</f:email>');
    expect(examplesIn('Code INSEE. Exemples : 75056, 2A004.')).toEqual(['75056', '2A004', '75056, 2A004']);
    expect(examplesIn('Adresse électronique du contact.')).toEqual([]);
  });

  it('the fixture: a documented example that breaks the derived pattern is skipped; a choice takes its first option', () => {
    withVersion(join(MOCKUP_FIXTURES, '2027-01'), (v, reg) => {
      const { xml, values } = sampleForm(formModel('2027-01', v.forms.get('DEMO')!));
      expect(xml).toContain('<f:code>AB123</f:code>'); // ZZ999 is documented but not in [A-M].*
      expect(xml).toContain('<f:telephone>0000000000</f:telephone>');
      expect(xml).not.toContain('courriel');
      expect(values.get('joignable/courriel')).toBe('a@a');
      expect(validate(reg, '2027-01', 'DEMO', 'DEMO_OFFRE', xml)).toBe('OK');
      expect(validate(reg, '2027-01', 'DEMO', 'DEMO_OFFRE', xml.replace('AB123', 'ZZ999'))).toBe('SCHEMA_INVALIDE');
    });
  });

  it('fails loudly when no valid value can be found, naming the field and what to add', () => {
    const dir = join(tmp, 'impossible', '2027-03');
    mkdirSync(dir, { recursive: true });
    writeVariant(dir, '<xsd:element name="valeur"><xsd:simpleType><xsd:restriction base="xsd:string"><xsd:pattern value="[a-z]{3}"/><xsd:minLength value="4"/></xsd:restriction></xsd:simpleType></xsd:element>');
    expect(() => buildVersionMockup(dir)).toThrow(/no valid sample value for champ\/valeur .*add "Exemple : <value>" to its xsd:documentation/);
  });
});

// ---------------------------------------------------------------------------------------------

/** A one-form catalogue whose form has the given content inside <champ>'s sequence. */
function writeVariant(dir: string, inner: string, schemaExtra = ''): void {
  writeFileSync(join(dir, 'nomenclature.xml'), `<?xml version="1.0" encoding="UTF-8"?>
<nomenclature xmlns="urn:fr:esav:catalogue:nomenclature" version="2027-03" productionDate="2027-03-01" status="live">
  <formulaire code="VARIANTE" fichier="variante.xsd" element="formulaireVariante" namespace="urn:fr:esav:catalogue:2027-03:variante">
    <offre code="VARIANTE"/>
    <champ nom="champ" obligatoire="true" libelle="Champ"/>
  </formulaire>
</nomenclature>
`);
  writeFileSync(join(dir, 'variante.xsd'), `<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:fr:esav:catalogue:2027-03:variante"
            xmlns="urn:fr:esav:catalogue:2027-03:variante" elementFormDefault="qualified">
  ${schemaExtra}
  <xsd:element name="formulaireVariante">
    <xsd:complexType><xsd:sequence>
      <xsd:element name="champ"><xsd:complexType><xsd:sequence>
        ${inner}
      </xsd:sequence></xsd:complexType></xsd:element>
    </xsd:sequence></xsd:complexType>
  </xsd:element>
</xsd:schema>
`);
}

describe('constructs the mock-ups do not render are refused, naming them', () => {
  const variants: Array<[string, string, string, RegExp]> = [
    ['an attribute', '<xsd:element name="a"><xsd:complexType><xsd:sequence><xsd:element name="b" type="xsd:string"/></xsd:sequence><xsd:attribute name="x" type="xsd:int"/></xsd:complexType></xsd:element>', '', /xsd:attribute inside xsd:complexType/],
    ['xsd:any', '<xsd:any processContents="lax"/>', '', /xsd:any inside xsd:sequence/],
    ['xsd:all', '<xsd:element name="a"><xsd:complexType><xsd:all><xsd:element name="b" type="xsd:string"/></xsd:all></xsd:complexType></xsd:element>', '', /xsd:all inside xsd:complexType/],
    ['a union', '<xsd:element name="a"><xsd:simpleType><xsd:union memberTypes="xsd:int xsd:date"/></xsd:simpleType></xsd:element>', '', /xsd:union/],
    ['a list', '<xsd:element name="a"><xsd:simpleType><xsd:list itemType="xsd:int"/></xsd:simpleType></xsd:element>', '', /xsd:list/],
    ['an element default', '<xsd:element name="a" type="xsd:string" default="x"/>', '', /the attribute default="x" on an element/],
    ['nillable', '<xsd:element name="a" type="xsd:string" nillable="true"/>', '', /nillable="true"/],
    ['an element ref', '<xsd:element ref="g"/>', '<xsd:element name="g" type="xsd:string"/>', /an element reference \(ref="g"\)/],
    ['an unsupported built-in', '<xsd:element name="a" type="xsd:duration"/>', '', /the built-in type xsd:duration/],
    ['a Unicode property in a pattern', '<xsd:element name="a"><xsd:simpleType><xsd:restriction base="xsd:string"><xsd:pattern value="\\p{Lu}+"/></xsd:restriction></xsd:simpleType></xsd:element>', '', /a Unicode property/],
    ['a class subtraction', '<xsd:element name="a"><xsd:simpleType><xsd:restriction base="xsd:string"><xsd:pattern value="[a-z-[aeiou]]+"/></xsd:restriction></xsd:simpleType></xsd:element>', '', /class subtraction/],
    ['simpleContent', '<xsd:element name="a"><xsd:complexType><xsd:simpleContent><xsd:extension base="xsd:string"/></xsd:simpleContent></xsd:complexType></xsd:element>', '', /xsd:simpleContent/],
    ['a recursive type', '<xsd:element name="a" type="Arbre"/>', '<xsd:complexType name="Arbre"><xsd:sequence><xsd:element name="b" type="Arbre" minOccurs="0"/></xsd:sequence></xsd:complexType>', /recursive definition complexType Arbre -> complexType Arbre/],
  ];

  it.each(variants)('%s', (what, inner, extra, message) => {
    const dir = join(tmp, what.replace(/\W+/g, '-'), '2027-03');
    mkdirSync(dir, { recursive: true });
    writeVariant(dir, inner, extra);
    // The gateway itself accepts the catalogue (it compiles); only the mock-ups refuse it.
    withVersion(dir, (v) => expect(v.forms.size).toBe(1));
    let caught: unknown;
    try {
      buildVersionMockup(dir);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MockupError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toMatch(/variante\.xsd, line \d+/);
  });
});

describe('XSD patterns', () => {
  it('become HTML patterns (v flag) matching exactly what the XSD matches', () => {
    const cases: Array<[string, string, string[], string[]]> = [
      ['[A-Z]{2}-[0-9]{4}-[0-9]{4}', '[A-Z]{2}-[0-9]{4}-[0-9]{4}', ['FI-1234-5678'], ['fi-1234-5678', 'FI-1234-56789']],
      ['0[1-9][0-9]{8}|\\+33[1-9][0-9]{8}', '0[1-9][0-9]{8}|\\+33[1-9][0-9]{8}', ['0612345678', '+33612345678'], ['0012345678', '33612345678']],
      ['[^@\\s]+@[^@\\s]+\\.[^@\\s]+', '[^\\@ \\t\\n\\r]+@[^\\@ \\t\\n\\r]+\\.[^\\@ \\t\\n\\r]+', ['a@b.fr'], ['a b@c.fr', 'a@b']],
      ['[0-9A-Z*#]{1,12}', '[0-9A-Z\\*\\#]{1,12}', ['4512B', '*#'], ['', 'abc']],
      ['.+(Z|[+\\-][0-9]{2}:[0-9]{2})', '[^\\n\\r]+(?:Z|[\\+\\-][0-9]{2}:[0-9]{2})', ['2026-11-16T09:00:00+01:00', 'xZ'], ['2026-11-16T09:00:00']],
      // ^ and $ are plain characters in XSD patterns.
      ['^a$', '\\^a\\$', ['^a$'], ['a']],
      ['\\d{2}', '\\p{Nd}{2}', ['42', '٤٢'], ['4']],
    ];
    for (const [xsd, js, good, bad] of cases) {
      const alt = parseXsdRegex(xsd);
      expect(toJsPattern(alt)).toBe(js);
      const re = toRegExp(alt);
      for (const g of good) expect(`${xsd} ${g} ${re.test(g)}`).toBe(`${xsd} ${g} true`);
      for (const b of bad) expect(`${xsd} ${b} ${re.test(b)}`).toBe(`${xsd} ${b} false`);
      expect(re.test(samplePattern(alt))).toBe(true);
    }
  });

  it('two derivation steps become one HTML pattern that requires both', () => {
    const p = htmlPattern({ builtin: 'token', facets: { patterns: [['[A-Z]{2}\\d{3}|X-\\d+'], ['[A-M].*']] } })!;
    const re = new RegExp(`^(?:${p})$`, 'v');
    expect(['AB123', 'X-1'].map((v) => re.test(v))).toEqual([true, false]);
    expect(re.test('ZZ999')).toBe(false);
  });

  it('refuses what it does not handle', () => {
    for (const p of ['\\i\\c*', '\\p{L}', '[a-z-[aeiou]]', 'a{2,1}', '(ab', 'a**', '[]']) expect(() => parseXsdRegex(p)).toThrow(RegexError);
  });
});

describe('pages', () => {
  it('escape what the XSDs and nomenclature say, and hold no script nor external resource', () => {
    const m = buildVersionMockup(join(MOCKUP_FIXTURES, '2027-01'));
    const site = new MockupSite(undefined, MOCKUP_FIXTURES);
    const html = m.forms[0]!.html;
    expect(html).toContain('Formulaire de démonstration &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;apostrophes&#39;.');
    expect(html).toContain('Portail &lt;b&gt;web&lt;/b&gt; &amp; &quot;extranet&quot;');
    expect(html).not.toMatch(/<script|<b>web|src=|https?:\/\//);
    expect(site.file('2027-01', 'index.html')!.body).toContain('Demandeur &lt;i&gt;');
    // The sample inside <pre> is escaped too.
    expect(html).toContain('&lt;f:code&gt;AB123&lt;/f:code&gt;');
  });

  it('the admin routes: versions, nomenclature with lifecycle dates, forms, samples, 404, 500 for a catalogue it cannot render', async () => {
    const rows = new Map([['2027-01', { kind: 'catalogue' as const, name: 'catalogue', version: '2027-01', status: 'live' as const, productionDate: '2027-01-04', sunsetDate: '2027-03-01', evolution: null, noticeDate: null }]]);
    const app = express().use('/catalogue', catalogueMockupRouter({ root: MOCKUP_FIXTURES, lifecycle: { row: (_k, _n, v) => rows.get(v) }, clock: () => new Date('2027-02-10T12:00:00Z') }));
    const index = await request(app).get('/catalogue/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("default-src 'none'");
    expect(index.text).toContain('<a href="2027-01/index.html">2027-01</a>');
    expect(index.text).toMatch(/<code>2027-02<\/code><\/td><td colspan="4" class="error">non rendu : .*xsd:attribute inside xsd:complexType/);
    expect((await request(app).get('/catalogue')).headers.location).toBe('/catalogue/');
    expect((await request(app).get('/catalogue/2027-01')).headers.location).toBe('/catalogue/2027-01/');
    const version = await request(app).get('/catalogue/2027-01/');
    expect(version.status).toBe(200);
    expect(version.text).toContain("en production jusqu&#39;au 2027-03-01 (exclu)");
    expect(version.text).toContain('<a href="DEMO.html">DEMO</a>');
    const past = express().use('/catalogue', catalogueMockupRouter({ root: MOCKUP_FIXTURES, lifecycle: { row: (_k, _n, v) => rows.get(v) }, clock: () => new Date('2027-03-01T00:00:00+01:00') }));
    expect((await request(past).get('/catalogue/2027-01/')).text).toContain('fin de vie atteinte le 2027-03-01');
    const form = await request(app).get('/catalogue/2027-01/DEMO.html');
    expect(form.status).toBe(200);
    expect(form.headers['content-type']).toBe('text/html; charset=utf-8');
    const xml = await request(app).get('/catalogue/2027-01/DEMO.xml');
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.text).toBe(buildVersionMockup(join(MOCKUP_FIXTURES, '2027-01')).forms[0]!.sample.xml);
    for (const path of ['/catalogue/2099-01/', '/catalogue/2099-01/DEMO.html', '/catalogue/2027-01/NOPE.html', '/catalogue/2027-01/demo.xsd', '/catalogue/..%2F..%2Fetc/', '/catalogue/2027-01/x/y']) {
      const r = await request(app).get(path);
      expect(`${path} ${r.status}`).toBe(`${path} 404`);
      expect(r.text).toContain("n&#39;existe pas");
    }
    const broken = await request(app).get('/catalogue/2027-02/');
    expect(broken.status).toBe(500);
    expect(broken.text).toMatch(/attribut\.xsd, line 13, xsd:attribute name=&quot;priorite&quot;: xsd:attribute inside xsd:complexType is not handled/);
  });
});

describe('esav catalogue render (without database)', () => {
  it('writes the pages of every version, or of one, with relative links', () => {
    const out = join(tmp, 'render-all');
    const r = esav({ ESAV_LOG_LEVEL: 'silent' }, 'catalogue', 'render', '--out', out, '--no-db');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('catalogue 2026-11: 3 form mock-ups in');
    const site = new MockupSite();
    for (const v of ['2026-06', '2026-11']) {
      for (const code of ['FTTH_ACCES', 'ETH_ENTREPRISE', 'CUIVRE_ACCES']) {
        expect(readFileSync(join(out, v, `${code}.html`), 'utf8')).toBe(site.file(v, `${code}.html`)!.body);
        expect(readFileSync(join(out, v, `${code}.xml`), 'utf8')).toBe(site.file(v, `${code}.xml`)!.body);
      }
      expect(readFileSync(join(out, v, 'index.html'), 'utf8')).toContain('nomenclature.xml (version non publiée)');
    }
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('<a href="2026-06/index.html">2026-06</a>');
    const one = join(tmp, 'render-one');
    expect(esav({}, 'catalogue', 'render', '--out', one, '--version', '2026-11', '--no-db').status).toBe(0);
    expect(readFileSync(join(one, 'index.html'), 'utf8')).not.toContain('2026-06/index.html');
  });

  it('says what to fix on bad usage', () => {
    const noOut = esav({}, 'catalogue', 'render', '--no-db');
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain('--out is required');
    const bad = esav({}, 'catalogue', 'render', '--out', join(tmp, 'x'), '--version', '2031-01', '--no-db');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--version 2031-01: no such catalogue .*\(there: 2026-06, 2026-11\)/);
  });
});
