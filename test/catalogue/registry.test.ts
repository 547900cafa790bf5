import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import {
  CATALOGUE_DIR,
  CatalogueError,
  CatalogueRegistry,
  formForOffer,
  loadCatalogues,
  loadCatalogueVersion,
  MAX_LIVE_CATALOGUES,
  type CatalogueVersion,
} from '../../src/catalogue/index.js';
import { FIXTURES } from './helpers.js';

const CODES = ['CUIVRE_ACCES', 'ETH_ENTREPRISE', 'FTTH_ACCES'];

describe('catalogue registry: the shipped catalogues', () => {
  let reg: CatalogueRegistry;
  beforeAll(() => {
    reg = loadCatalogues();
  });
  afterAll(() => reg.dispose());

  it('loads 2026-06 and 2026-11 from xsd/catalogue/, live, with their dates', () => {
    expect(reg.live().map((v) => [v.version, v.productionDate, v.sunsetDate, v.status])).toEqual([
      ['2026-06', '2026-06-01', null, 'live'],
      ['2026-11', '2026-11-02', null, 'live'],
    ]);
    expect(reg.get('2026-06')!.dir).toBe(join(CATALOGUE_DIR, '2026-06'));
  });

  it('has the same three forms in each version, one offer each, namespaces carrying the version', () => {
    for (const v of reg.live()) {
      expect([...v.forms.keys()].sort()).toEqual(CODES);
      for (const f of v.forms.values()) {
        expect(f.offers).toEqual([f.code]);
        expect(f.namespace).toMatch(new RegExp(`^urn:fr:esav:catalogue:${v.version}:[a-z-]+$`));
        expect(f.file.startsWith(v.dir)).toBe(true);
      }
    }
    const all = reg.live().flatMap((v) => [...v.forms.values()].map((f) => f.namespace));
    expect(new Set(all).size).toBe(6);
  });

  it('describes the FTTH change a client notices: localisationDefaut mandatory and plagesProposees in 2026-11', () => {
    const fields = (v: string) => reg.get(v)!.forms.get('FTTH_ACCES')!.fields.map((f) => `${f.name}${f.required ? '' : '?'}`);
    expect(fields('2026-06')).toEqual(['refPto', 'sirenSiteClient?', 'contact', 'acces?', 'localisationDefaut?']);
    expect(fields('2026-11')).toEqual(['refPto', 'sirenSiteClient?', 'contact', 'acces?', 'localisationDefaut', 'plagesProposees?']);
    expect(reg.get('2026-11')!.forms.get('FTTH_ACCES')!.fields[0].label).toBe('Référence de la prise terminale optique (Ref PTO)');
  });

  it('finds the form of an offer, and nothing for an unknown offer or version', () => {
    expect(formForOffer(reg, '2026-11', 'ETH_ENTREPRISE')?.element).toBe('formulaireEthEntreprise');
    expect(formForOffer(reg, '2026-06', 'CUIVRE_ACCES')?.namespace).toBe('urn:fr:esav:catalogue:2026-06:cuivre-acces');
    expect(formForOffer(reg, '2026-11', 'XDSL_PRO')).toBeUndefined();
    expect(formForOffer(reg, '2025-01', 'FTTH_ACCES')).toBeUndefined();
  });
});

describe('catalogue registry: never more than two live versions', () => {
  let v06: CatalogueVersion;
  let v11: CatalogueVersion;
  beforeAll(() => {
    v06 = loadCatalogueVersion(join(CATALOGUE_DIR, '2026-06'));
    v11 = loadCatalogueVersion(join(CATALOGUE_DIR, '2026-11'));
  });
  afterAll(() => {
    for (const v of [v06, v11]) for (const f of v.forms.values()) f.validator.dispose();
  });

  it('refuses a third live version with a message naming the live ones', () => {
    expect(MAX_LIVE_CATALOGUES).toBe(2);
    const r = new CatalogueRegistry();
    r.add(v06);
    r.add(v11);
    const third = { ...v11, version: '2027-03' };
    expect(() => r.add(third)).toThrow(CatalogueError);
    expect(() => r.add(third)).toThrow(/2 catalogue versions are already live \(2026-06, 2026-11\): retire one before publishing 2027-03/);
    expect(r.live().map((v) => v.version)).toEqual(['2026-06', '2026-11']);
    expect(r.get('2027-03')).toBeUndefined();
  });

  it('refuses the same version twice, naming the live ones', () => {
    const r = new CatalogueRegistry();
    r.add(v06);
    expect(() => r.add({ ...v06 })).toThrow(CatalogueError);
    expect(() => r.add({ ...v06 })).toThrow(/catalogue 2026-06 is already live \(live: 2026-06\)/);
    expect(r.live()).toHaveLength(1);
  });

  it('refuses a retired version', () => {
    const r = new CatalogueRegistry();
    expect(() => r.add({ ...v06, status: 'retired' })).toThrow(/2026-06 is retired/);
    expect(r.live()).toHaveLength(0);
  });

  it('lists live versions sorted whatever the insertion order', () => {
    const r = new CatalogueRegistry();
    r.add(v11);
    r.add(v06);
    expect(r.live().map((v) => v.version)).toEqual(['2026-06', '2026-11']);
  });
});

describe('catalogue loading checks', () => {
  it('skips retired versions (without even loading their forms)', () => {
    // The retired 2025-11 fixture names a form file that does not exist.
    const r = loadCatalogues(join(FIXTURES, 'with-retired'));
    try {
      expect(r.live().map((v) => v.version)).toEqual(['2026-06']);
      expect(r.get('2025-11')).toBeUndefined();
    } finally {
      r.dispose();
    }
    const mini = loadCatalogueVersion(join(FIXTURES, 'with-retired', '2026-06')).forms.get('MINI')!;
    expect(mini.fields).toEqual([
      { name: 'code', required: true, label: 'Code' },
      { name: 'note', required: false, label: 'Note' },
    ]);
    mini.validator.dispose();
  });

  it('validates the nomenclature against nomenclature.xsd (an offer may have one form only)', () => {
    expect(() => loadCatalogueVersion(join(FIXTURES, 'bad-nomenclature', '2026-06'))).toThrow(CatalogueError);
    expect(() => loadCatalogueVersion(join(FIXTURES, 'bad-nomenclature', '2026-06'))).toThrow(
      /does not match nomenclature\.xsd: .*offreUnique/,
    );
  });

  it('refuses a form file outside the version folder', () => {
    expect(() => loadCatalogues(join(FIXTURES, 'traversal'))).toThrow(/does not match nomenclature\.xsd: .*fichier/);
  });

  it("refuses a nomenclature whose fields drift from the form's XSD", () => {
    expect(() => loadCatalogueVersion(join(FIXTURES, 'drift', '2026-06'))).toThrow(
      /form MINI .*the nomenclature's fields \(code, note\) differ from the schema's \(code, note\?\)/,
    );
  });
});
