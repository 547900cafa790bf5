import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { loadCatalogues, validateForm, type CatalogueRegistry } from '../../src/catalogue/index.js';
import { diagText, disposeDocs, fault, formInEnvelope, ns } from './helpers.js';

let reg: CatalogueRegistry;
beforeAll(() => {
  reg = loadCatalogues();
});
afterAll(() => reg.dispose());
afterEach(() => disposeDocs());

const VERSIONS = ['2026-06', '2026-11'] as const;

// ----- FTTH_ACCES ---------------------------------------------------------------------------
const ftth = (v: string, o: { refPto?: string; localisation?: string | null; plages?: string; acces?: string } = {}) =>
  `<f:formulaireFtthAcces xmlns:f="${ns(v, 'ftth-acces')}">` +
  `<f:refPto>${o.refPto ?? 'FI-1234-5678'}</f:refPto>` +
  `<f:sirenSiteClient>552100554</f:sirenSiteClient>` +
  `<f:contact><f:nom>Camille Martin</f:nom><f:telephone>0612345678</f:telephone><f:email>camille.martin@example.fr</f:email></f:contact>` +
  (o.acces ?? `<f:acces><f:batiment>B</f:batiment><f:etage>3</f:etage><f:digicode>4512B</f:digicode><f:commentaireAcces>Sonner chez le gardien</f:commentaireAcces></f:acces>`) +
  (o.localisation === null ? '' : `<f:localisationDefaut>${o.localisation ?? 'PBO'}</f:localisationDefaut>`) +
  (o.plages ?? '') +
  `</f:formulaireFtthAcces>`;
const plage = (d: string, f: string) => `<f:plage><f:debut>${d}</f:debut><f:fin>${f}</f:fin></f:plage>`;
const plages = (n: number) =>
  `<f:plagesProposees>${Array.from({ length: n }, (_, i) => plage(`2026-11-1${6 + i}T09:00:00+01:00`, `2026-11-1${6 + i}T12:00:00+01:00`)).join('')}</f:plagesProposees>`;

describe('FTTH_ACCES form', () => {
  it.each(VERSIONS)('a complete form is valid in %s and comes back as plain data', (v) => {
    const r = validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth(v)), 'FTTH_ACCES');
    expect(r).toEqual({
      catalogue: v,
      code: 'FTTH_ACCES',
      data: {
        refPto: 'FI-1234-5678',
        sirenSiteClient: '552100554',
        contact: { nom: 'Camille Martin', telephone: '0612345678', email: 'camille.martin@example.fr' },
        acces: { batiment: 'B', etage: '3', digicode: '4512B', commentaireAcces: 'Sonner chez le gardien' },
        localisationDefaut: 'PBO',
      },
    });
  });

  it('works with a prefix declared on the envelope rather than on the form', () => {
    const xml = `<f:formulaireFtthAcces><f:refPto>FI-0001-0002</f:refPto><f:contact><f:nom>X</f:nom><f:telephone>+33145678901</f:telephone></f:contact><f:localisationDefaut>PTO</f:localisationDefaut></f:formulaireFtthAcces>`;
    const r = validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(xml, ns('2026-11', 'ftth-acces')), 'FTTH_ACCES');
    expect(r.data).toEqual({ refPto: 'FI-0001-0002', contact: { nom: 'X', telephone: '+33145678901' }, localisationDefaut: 'PTO' });
  });

  it('localisationDefaut is optional in 2026-06 but mandatory in 2026-11', () => {
    expect(validateForm(reg, '2026-06', 'FTTH_ACCES', formInEnvelope(ftth('2026-06', { localisation: null })), 'FTTH_ACCES').data).not.toHaveProperty(
      'localisationDefaut',
    );
    const f = fault(() => validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(ftth('2026-11', { localisation: null })), 'FTTH_ACCES'), 'SCHEMA_INVALIDE');
    expect(f.message).toMatch(/FTTH_ACCES \(catalogue 2026-11\) ne respecte pas le schéma \(1 erreur/);
    expect(f.diagnostics).toHaveLength(1);
    expect(diagText(f)).toContain(`{${ns('2026-11', 'ftth-acces')}}localisationDefaut`);
    expect(f.diagnostics[0].line).toBe(1);
  });

  it.each(VERSIONS)('localisationDefaut is an enumeration in %s', (v) => {
    for (const l of ['PTO', 'PBO', 'PM', 'RESEAU_TRANSPORT', 'INCONNUE']) {
      expect(validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth(v, { localisation: l })), 'FTTH_ACCES').data).toMatchObject({ localisationDefaut: l });
    }
    const f = fault(() => validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth(v, { localisation: 'NRO' })), 'FTTH_ACCES'), 'SCHEMA_INVALIDE');
    expect(diagText(f)).toMatch(/localisationDefaut'.*\[facet 'enumeration'\]/);
  });

  it('plagesProposees (1 to 3) is accepted in 2026-11', () => {
    for (const n of [1, 3]) {
      const r = validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(ftth('2026-11', { plages: plages(n) })), 'FTTH_ACCES');
      const p = (r.data as { plagesProposees: { plage: unknown } }).plagesProposees.plage;
      // toObject: one plage is an object, several an array
      expect(Array.isArray(p) ? p.length : 1).toBe(n);
    }
  });

  it('plagesProposees is refused in 2026-06, naming the element', () => {
    const f = fault(() => validateForm(reg, '2026-06', 'FTTH_ACCES', formInEnvelope(ftth('2026-06', { plages: plages(1) })), 'FTTH_ACCES'), 'SCHEMA_INVALIDE');
    expect(diagText(f)).toContain(`{${ns('2026-06', 'ftth-acces')}}plagesProposees': This element is not expected`);
  });

  it('plagesProposees: no more than 3, at least 1, offsets explicit, fin after debut', () => {
    const v = '2026-11';
    const run = (p: string) => () => validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth(v, { plages: p })), 'FTTH_ACCES');
    expect(diagText(fault(run(plages(4)), 'SCHEMA_INVALIDE'))).toMatch(/plage': This element is not expected/);
    expect(diagText(fault(run('<f:plagesProposees/>'), 'SCHEMA_INVALIDE'))).toMatch(/plagesProposees'.*Missing child/);
    expect(diagText(fault(run(`<f:plagesProposees>${plage('2026-11-16T09:00:00', '2026-11-16T12:00:00Z')}</f:plagesProposees>`), 'SCHEMA_INVALIDE'))).toMatch(
      /debut'.*\[facet 'pattern'\]/,
    );
    expect(diagText(fault(run(`<f:plagesProposees>${plage('2026-11-31T09:00:00Z', '2026-12-01T12:00:00Z')}</f:plagesProposees>`), 'SCHEMA_INVALIDE'))).toMatch(
      /debut'.*not a valid value/,
    );
    const f = fault(
      run(`<f:plagesProposees>${plage('2026-11-16T09:00:00+01:00', '2026-11-16T12:00:00+01:00')}${plage('2026-11-17T12:00:00+01:00', '2026-11-17T09:00:00+01:00')}</f:plagesProposees>`),
      'FORMULAIRE_INVALIDE',
    );
    expect(f.diagnostics).toHaveLength(1);
    expect(f.diagnostics[0].path).toBe('/soapenv:Envelope/soapenv:Body/s:deposerSignalisation/s:formulaire/f:formulaireFtthAcces/f:plagesProposees/f:plage[2]');
    expect(f.diagnostics[0].message).toMatch(/la fin \(2026-11-17T09:00:00\+01:00\) doit être postérieure au début/);
    // Same instant written with different offsets: fin == debut is refused too.
    fault(run(`<f:plagesProposees>${plage('2026-11-16T09:00:00+01:00', '2026-11-16T08:00:00Z')}</f:plagesProposees>`), 'FORMULAIRE_INVALIDE');
  });

  it.each(VERSIONS)('a bad refPto fails naming refPto in %s', (v) => {
    for (const bad of ['FI-12345-678', 'fi-1234-5678', 'FI12345678', 'FI-1234-5678 ']) {
      const f = fault(() => validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth(v, { refPto: bad })), 'FTTH_ACCES'), 'SCHEMA_INVALIDE');
      expect(diagText(f)).toContain(`Element '{${ns(v, 'ftth-acces')}}refPto': [facet 'pattern']`);
    }
  });

  it('reports every error, one diagnostic each', () => {
    const v = '2026-11';
    const xml = ftth(v, {
      refPto: 'XX',
      acces: `<f:acces><f:digicode>12 34</f:digicode><f:commentaireAcces>${'a'.repeat(501)}</f:commentaireAcces></f:acces>`,
    }).replace('0612345678', '06 12 34 56 78');
    const f = fault(() => validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(xml), 'FTTH_ACCES'), 'SCHEMA_INVALIDE');
    const text = diagText(f);
    for (const el of ['refPto', 'telephone', 'digicode', 'commentaireAcces']) expect(text).toContain(`}${el}'`);
    expect(f.diagnostics).toHaveLength(4);
    expect(f.message).toMatch(/\(4 erreur\(s\)\)/);
  });
});

// ----- ETH_ENTREPRISE -----------------------------------------------------------------------
const eth = (v: string, o: { insee?: string; garantie?: string; totale?: string } = {}) =>
  `<e:formulaireEthEntreprise xmlns:e="${ns(v, 'eth-entreprise')}">` +
  `<e:extremiteA><e:adresse>12 rue de la Paix, 75002 Paris</e:adresse><e:codeInsee>75056</e:codeInsee><e:nomSite>Siège</e:nomSite></e:extremiteA>` +
  `<e:extremiteZ><e:adresse>Route de Mezzavia, 20000 Ajaccio</e:adresse><e:codeInsee>${o.insee ?? '2A004'}</e:codeInsee></e:extremiteZ>` +
  `<e:niveauGarantie>${o.garantie ?? 'GTR4H'}</e:niveauGarantie><e:interruptionTotale>${o.totale ?? 'true'}</e:interruptionTotale>` +
  `</e:formulaireEthEntreprise>`;

describe('ETH_ENTREPRISE form', () => {
  it.each(VERSIONS)('a complete form is valid in %s', (v) => {
    const r = validateForm(reg, v, 'ETH_ENTREPRISE', formInEnvelope(eth(v)), 'ETH_ENTREPRISE');
    expect(r.data).toMatchObject({ extremiteZ: { codeInsee: '2A004' }, niveauGarantie: 'GTR4H', interruptionTotale: 'true' });
    for (const g of ['GTR10HO', 'STANDARD']) validateForm(reg, v, 'ETH_ENTREPRISE', formInEnvelope(eth(v, { garantie: g, totale: '0' })), 'ETH_ENTREPRISE');
  });

  it.each(VERSIONS)('refuses a bad INSEE code, guarantee level or boolean in %s, naming each', (v) => {
    const f = fault(
      () => validateForm(reg, v, 'ETH_ENTREPRISE', formInEnvelope(eth(v, { insee: '2C004', garantie: 'GTR2H', totale: 'oui' })), 'ETH_ENTREPRISE'),
      'SCHEMA_INVALIDE',
    );
    const text = diagText(f);
    expect(text).toMatch(/codeInsee'.*\[facet 'pattern'\]/);
    expect(text).toMatch(/niveauGarantie'.*\[facet 'enumeration'\]/);
    expect(text).toMatch(/interruptionTotale'.*boolean/);
    expect(f.diagnostics).toHaveLength(3);
  });

  it('requires extremiteZ', () => {
    const xml = eth('2026-11').replace(/<e:extremiteZ>.*<\/e:extremiteZ>/, '');
    expect(diagText(fault(() => validateForm(reg, '2026-11', 'ETH_ENTREPRISE', formInEnvelope(xml), 'ETH_ENTREPRISE'), 'SCHEMA_INVALIDE'))).toMatch(
      /Expected is \( \{urn:fr:esav:catalogue:2026-11:eth-entreprise\}extremiteZ \)/,
    );
  });
});

// ----- CUIVRE_ACCES -------------------------------------------------------------------------
const cuivre = (v: string, o: { ligne?: string; type?: string; test?: string } = {}) =>
  `<c:formulaireCuivreAcces xmlns:c="${ns(v, 'cuivre-acces')}">` +
  `<c:numeroLigne>${o.ligne ?? '0145678901'}</c:numeroLigne><c:typeDefaut>${o.type ?? 'DEBIT_DEGRADE'}</c:typeDefaut>` +
  `<c:testEffectue>${o.test ?? 'false'}</c:testEffectue></c:formulaireCuivreAcces>`;

describe('CUIVRE_ACCES form', () => {
  it.each(VERSIONS)('a complete form is valid in %s', (v) => {
    for (const type of ['COUPURE', 'BRUIT', 'DEBIT_DEGRADE', 'COUPURES_FREQUENTES']) {
      expect(validateForm(reg, v, 'CUIVRE_ACCES', formInEnvelope(cuivre(v, { type })), 'CUIVRE_ACCES')).toEqual({
        catalogue: v,
        code: 'CUIVRE_ACCES',
        data: { numeroLigne: '0145678901', typeDefaut: type, testEffectue: 'false' },
      });
    }
  });

  it.each(VERSIONS)('refuses a bad line number, defect type or boolean in %s, naming each', (v) => {
    for (const ligne of ['0045678901', '145678901', '+33145678901', '01 45 67 89 01']) {
      expect(diagText(fault(() => validateForm(reg, v, 'CUIVRE_ACCES', formInEnvelope(cuivre(v, { ligne })), 'CUIVRE_ACCES'), 'SCHEMA_INVALIDE'))).toMatch(
        /numeroLigne'.*\[facet 'pattern'\]/,
      );
    }
    const f = fault(() => validateForm(reg, v, 'CUIVRE_ACCES', formInEnvelope(cuivre(v, { type: 'AUTRE', test: 'oui' })), 'CUIVRE_ACCES'), 'SCHEMA_INVALIDE');
    expect(diagText(f)).toMatch(/typeDefaut'.*\[facet 'enumeration'\]/);
    expect(diagText(f)).toMatch(/testEffectue'.*boolean/);
  });
});

// ----- which form, which catalogue ----------------------------------------------------------
describe('form selection faults', () => {
  it('unknown or retired catalogue version: CATALOGUE_INCONNU listing the live versions', () => {
    for (const v of ['2026-01', '2025-11', '']) {
      const f = fault(() => validateForm(reg, v, 'FTTH_ACCES', formInEnvelope(ftth('2026-11')), 'FTTH_ACCES'), 'CATALOGUE_INCONNU');
      expect(f.message).toContain('catalogues en production : 2026-06, 2026-11');
    }
  });

  it('unknown form code: FORMULAIRE_INCONNU listing the codes of that catalogue', () => {
    const f = fault(() => validateForm(reg, '2026-11', 'FTTH_PRO', formInEnvelope(ftth('2026-11')), 'FTTH_ACCES'), 'FORMULAIRE_INCONNU');
    expect(f.message).toContain('« FTTH_PRO »');
    expect(f.message).toContain('CUIVRE_ACCES, ETH_ENTREPRISE, FTTH_ACCES');
  });

  it("a form that is not the offer's: FORMULAIRE_INCOMPATIBLE naming the expected form", () => {
    const f = fault(() => validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(ftth('2026-11')), 'CUIVRE_ACCES'), 'FORMULAIRE_INCOMPATIBLE');
    expect(f.message).toMatch(/offre CUIVRE_ACCES .*formulaire attendu CUIVRE_ACCES \(catalogue 2026-11\)/);
    const g = fault(() => validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(ftth('2026-11')), 'XDSL_PRO'), 'FORMULAIRE_INCOMPATIBLE');
    expect(g.message).toMatch(/aucun formulaire pour cette offre/);
  });

  it('an empty wrapper: FORMULAIRE_ABSENT naming the element to send', () => {
    const root = formInEnvelope('');
    expect(root).toBeUndefined();
    const f = fault(() => validateForm(reg, '2026-06', 'ETH_ENTREPRISE', root, 'ETH_ENTREPRISE'), 'FORMULAIRE_ABSENT');
    expect(f.message).toContain('{urn:fr:esav:catalogue:2026-06:eth-entreprise}formulaireEthEntreprise');
  });

  it('a 2026-06 form posted as 2026-11: FORMULAIRE_INVALIDE naming the expected element and namespace', () => {
    const f = fault(() => validateForm(reg, '2026-11', 'FTTH_ACCES', formInEnvelope(ftth('2026-06')), 'FTTH_ACCES'), 'FORMULAIRE_INVALIDE');
    expect(f.message).toContain("l'élément formulaireFtthAcces dans l'espace de noms urn:fr:esav:catalogue:2026-11:ftth-acces");
    expect(f.message).toContain('formulaire FTTH_ACCES du catalogue 2026-06');
    expect(diagText(f)).toContain('Élément attendu : {urn:fr:esav:catalogue:2026-11:ftth-acces}formulaireFtthAcces');
  });

  it('another form, or no namespace: FORMULAIRE_INVALIDE', () => {
    const f = fault(() => validateForm(reg, '2026-11', 'ETH_ENTREPRISE', formInEnvelope(cuivre('2026-11')), 'ETH_ENTREPRISE'), 'FORMULAIRE_INVALIDE');
    expect(f.message).toContain('reçu {urn:fr:esav:catalogue:2026-11:cuivre-acces}formulaireCuivreAcces');
    const g = fault(
      () => validateForm(reg, '2026-11', 'CUIVRE_ACCES', formInEnvelope('<formulaireCuivreAcces><numeroLigne>0145678901</numeroLigne></formulaireCuivreAcces>'), 'CUIVRE_ACCES'),
      'FORMULAIRE_INVALIDE',
    );
    expect(g.message).toContain('reçu formulaireCuivreAcces (sans espace de noms)');
  });
});
