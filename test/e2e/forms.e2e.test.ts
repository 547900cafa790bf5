import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, formXml, parseSoap, request, soapPost, V1 } from '../support/http.js';

const OP = '433910332';
let t: TestGateway;
let esavCreds: ClientCreds;
let ftthCreds: ClientCreds;
let db: pg.Pool;

async function depositWith(prestation: string, form: string, c = esavCreds) {
  const r = await soapPost(`${t.base}/ws/signalisation/v1`, c, depositXml(V1, prestation, { form }), `${V1}#deposerSignalisation`);
  return parseSoap(r.body);
}

beforeAll(async () => {
  t = await startTestGateway();
  esavCreds = t.issue(OP, 'esav');
  ftthCreds = t.issue(OP, 'ftth');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-F1', '--offer', 'ETH_ENTREPRISE');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-F1', '--offer', 'FTTH_ACCES');
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

const count = async () => (await db.query('SELECT count(*)::int AS n FROM tickets')).rows[0].n as number;

describe('deposit forms from the catalogue', () => {
  it('both live catalogues are listed in GET /ws and their files are served', async () => {
    const list = JSON.parse((await request(`${t.base}/ws`, esavCreds)).body);
    expect(list.catalogues.map((c: { version: string }) => c.version)).toEqual(['2026-06', '2026-11']);
    const ftth = list.catalogues[1].forms.find((f: { code: string }) => f.code === 'FTTH_ACCES');
    const xsd = await request(ftth.xsd, esavCreds);
    expect(xsd.status).toBe(200);
    expect(xsd.body).toContain('plagesProposees');
    expect((await request(`${t.base}/ws/catalogue/2026-11/../../package.json`, esavCreds)).status).toBe(404);
  });

  it('a valid form is accepted in either live catalogue and kept with the ticket', async () => {
    for (const cat of ['2026-06', '2026-11']) {
      const p = await depositWith('ETH-F1', formXml('ETH-F1', cat));
      const ref = p.payload!.deposerSignalisationReponse.referenceSignalisation;
      const row = (await db.query('SELECT details FROM tickets WHERE reference = $1', [ref])).rows[0];
      expect(row.details.formulaire).toMatchObject({ catalogue: cat, code: 'ETH_ENTREPRISE', data: { niveauGarantie: 'GTR4H' } });
    }
  });

  it('a form breaking its XSD is refused with the element named, nothing written', async () => {
    const before = await count();
    const bad = formXml('FTTH-F1').replace('FI-1234-5678', 'PTO 12');
    const p = await depositWith('FTTH-F1', bad, ftthCreds);
    expect(p.fault?.code).toBe('SCHEMA_INVALIDE');
    expect(p.fault?.diagnostics.map((d) => d['#text']).join(' ')).toMatch(/refPto/);
    expect(await count()).toBe(before);
  });

  it('the two catalogues differ: localisationDefaut is mandatory in 2026-11 only', async () => {
    const without = (cat: string) => formXml('FTTH-F1', cat).replace('<f:localisationDefaut>PTO</f:localisationDefaut>', '');
    expect((await depositWith('FTTH-F1', without('2026-06'), ftthCreds)).payload).toBeDefined();
    const p = await depositWith('FTTH-F1', without('2026-11'), ftthCreds);
    expect(p.fault?.code).toBe('SCHEMA_INVALIDE');
    expect(p.fault?.diagnostics.map((d) => d['#text']).join(' ')).toMatch(/localisationDefaut/);
  });

  it('a retired or unknown catalogue version is refused with a fault naming the live ones', async () => {
    const p = await depositWith('ETH-F1', formXml('ETH-F1', '2025-01'));
    expect(p.fault?.code).toBe('CATALOGUE_INCONNU');
    expect(p.fault?.message).toMatch(/2026-06, 2026-11/);
  });

  it('the form must be the one of the prestation\'s offer, and is required when the offer has one', async () => {
    const wrong = await depositWith('ETH-F1', formXml('FTTH-F1'));
    expect(wrong.fault?.code).toBe('FORMULAIRE_INCOMPATIBLE');
    expect(wrong.fault?.message).toMatch(/ETH_ENTREPRISE/);
    const none = await depositWith('ETH-F1', '');
    expect(none.fault?.code).toBe('FORMULAIRE_REQUIS');
    expect(none.fault?.message).toMatch(/ETH_ENTREPRISE.*2026-11/);
    const empty = await depositWith('ETH-F1', `<s:formulaire catalogue="2026-11" code="ETH_ENTREPRISE"/>`);
    expect(empty.fault?.code).toBe('FORMULAIRE_ABSENT');
  });

  it('a 2026-06 form sent under the 2026-11 name is refused, saying what it is', async () => {
    const mixed = formXml('ETH-F1', '2026-06').replace('catalogue="2026-06"', 'catalogue="2026-11"');
    const p = await depositWith('ETH-F1', mixed);
    expect(p.fault?.code).toBe('FORMULAIRE_INVALIDE');
    expect(p.fault?.message).toMatch(/catalogue 2026-06/);
  });

  it('the FTTH detail shows the Ref PTO and SIREN from the form', async () => {
    const p = await depositWith('FTTH-F1', formXml('FTTH-F1'), ftthCreds);
    const ref = p.payload!.deposerSignalisationReponse.referenceSignalisation;
    const r = await soapPost(`${t.base}/ws/signalisation/v1`, ftthCreds, `<?xml version="1.0"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><s:consulterDetailSignalisation xmlns:s="${V1}"><s:referenceSignalisation>${ref}</s:referenceSignalisation></s:consulterDetailSignalisation></e:Body></e:Envelope>`, `${V1}#consulterDetailSignalisation`);
    const d = parseSoap(r.body).payload!.consulterDetailSignalisationReponse;
    expect(d.ftth).toMatchObject({ refPto: 'FI-1234-5678', siren: '552100554', etat: 'En cours', etatOrigine: 'Queued' });
  });
});
