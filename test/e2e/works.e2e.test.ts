import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import soap from 'soap';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk, PROJECT_ROOT } from '../support/cli.js';
import { envelope, request, soapPost } from '../support/http.js';
import { compileSchemaFile, parseRequest, validateElement, elementChildren, type XsdValidator } from '../../src/soap/xml.js';

const IF = 'http://interop-fibre.fr/wsdl/ftth/infoTravaux/v1-0';
const OP = '652014051';
const OTHER = '410000000';
let t: TestGateway;
let ftth: ClientCreds;
let otherFtth: ClientCreds;
let esavCreds: ClientCreds;
let db: pg.Pool;
let schema: XsdValidator;

const HEADER = `<v1:InfoTravauxFTTHHeader><supplierID>OI-FOURNISSEUR</supplierID><serviceProviderID>OC-${OP}</serviceProviderID></v1:InfoTravauxFTTHHeader>`;

/** The envelope a client generated from the Interop'Fibre reference WSDL sends (SoapUI layout). */
function interopEnvelope(filters: string, header = HEADER): string {
  return (
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v1="${IF}">` +
    `<soapenv:Header>${header}</soapenv:Header>` +
    `<soapenv:Body><v1:getInfoTravauxFTTHRequest>${filters}</v1:getInfoTravauxFTTHRequest></soapenv:Body></soapenv:Envelope>`
  );
}

async function ask(filters: string, c = ftth, header?: string) {
  return soapPost(`${t.base}/ws/travaux-ftth/v1`, c, interopEnvelope(filters, header), 'getInfoTravauxFTTH');
}

/** References in a response, after checking it against the Interop'Fibre schema (order, types). */
function references(body: string): string[] {
  const doc = parseRequest(Buffer.from(body));
  try {
    const bodyEl = elementChildren(doc.root).find((e) => e.name === 'Body')!;
    const resp = elementChildren(bodyEl)[0]!;
    expect(`{${resp.namespaceUri}}${resp.name}`).toBe(`{${IF}}getInfoTravauxFTTHResponse`);
    validateElement(schema, resp, 'response');
  } finally {
    doc.dispose();
  }
  return [...body.matchAll(/<travaux reference="([^"]+)"/g)].map((m) => m[1]!);
}

const period = (name: string, from: string, to: string) => `<${name}><dateDebutRecherche>${from}</dateDebutRecherche><dateFinRecherche>${to}</dateFinRecherche></${name}>`;

beforeAll(async () => {
  t = await startTestGateway();
  ftth = t.issue(OP, 'ftth', 'Opérateur Fibre');
  esavCreds = t.issue(OP, 'esav');
  otherFtth = t.issue(OTHER, 'ftth');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-W-1', '--offer', 'FTTH_ACCES', '--ref-pto', 'FI-0001-0001');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-W-2', '--offer', 'FTTH_ACCES', '--ref-pto', 'FI-0001-0002');
  esavOk(t.env, 'prestation', 'add', '--operator', OTHER, '--id', 'FTTH-X-9', '--offer', 'FTTH_ACCES', '--ref-pto', 'FI-0009-0009');
  const w = (...args: string[]) => esavOk(t.env, 'travaux', 'create', ...args);
  w('TP-W-1', '--type', 'TP', '--equipment', 'PM', '--pm', 'PM-75-0001', '--pm-prestation', 'PMP-75-0001', '--start', '2026-12-01T22:00:00Z', '--end', '2026-12-02T04:00:00Z',
    '--prestations', 'FTTH-W-1,FTTH-X-9', '--plugs', 'FI-0001-0001,FI-0009-0009', '--intervention-oc', 'oui', '--nature', 'REFE', '--comment', 'Réfection du PM', '--pbo', 'PBO-1,PBO-2', '--contact', 'oi-travaux@example.fr');
  w('TP-W-2', '--type', 'TP', '--equipment', 'PBO', '--pm', 'PM-75-0001', '--pm-prestation', 'PMP-75-0002', '--start', '2026-12-10T08:00:00Z', '--end', '2026-12-10T12:00:00Z', '--prestations', 'FTTH-W-2');
  w('DERCO-W-1', '--type', 'DERCO', '--equipment', 'LIENPMPBO', '--pm', 'PM-69-0001', '--pm-prestation', 'PMP-69-0001', '--start', '2026-12-03T10:00:00Z', '--public', 'oui', '--incident', 'INC-2026-77');
  w('TP-X-1', '--type', 'TP', '--equipment', 'PM', '--pm', 'PM-13-0001', '--pm-prestation', 'PMP-13-0001', '--start', '2026-12-05T08:00:00Z', '--prestations', 'FTTH-X-9');
  db = new pg.Pool({ connectionString: t.db.url });
  schema = compileSchemaFile(join(PROJECT_ROOT, 'wsdl', 'travaux-ftth', 'v1', 'infoTravauxFTTH.xsd'));
});

afterAll(async () => {
  schema?.dispose();
  await db?.end();
  await t?.close();
});

describe("getInfoTravauxFTTH in the Interop'Fibre wire format", () => {
  it('answers a reference-WSDL client: root in the namespace, children unqualified, every field in schema order', async () => {
    const r = await ask('<referenceTPDERCO>TP-W-1</referenceTPDERCO>');
    expect(r.status).toBe(200);
    expect(r.body).toContain(`<soap:Body><tns:getInfoTravauxFTTHResponse xmlns:tns="${IF}"><listeTravaux><travaux reference="TP-W-1" serviceProviderID="OC-${OP}">`);
    expect(references(r.body)).toEqual(['TP-W-1']);
    const w = /<travaux [^>]*>(.*)<\/travaux>/.exec(r.body)![1]!;
    expect(w).toMatch(
      new RegExp(
        '^<type>TP</type><equipementConcerne>PM</equipementConcerne><referencePm>PM-75-0001</referencePm><referencePrestationPm>PMP-75-0001</referencePrestationPm>' +
          '<dateModification>[^<]+</dateModification><interventionRequiseOC>OUI</interventionRequiseOC>' +
          '<dateDebutTravaux>2026-12-01T22:00:00.000Z</dateDebutTravaux><dateFinTravaux>2026-12-02T04:00:00.000Z</dateFinTravaux>' +
          '<natureIntervention>REFE</natureIntervention><etat>NOUVEAU</etat><referencePBO><PBO>PBO-1</PBO><PBO>PBO-2</PBO></referencePBO>' +
          '<commentairesIntervention>Réfection du PM</commentairesIntervention><coordonneesContactOI>oi-travaux@example.fr</coordonneesContactOI>' +
          // Only this operator's plug and prestation: never another operator's parc.
          '<referencePriseImpactees><prise>FI-0001-0001</prise></referencePriseImpactees>' +
          '<referencePrestationPriseImpactees><prestation>FTTH-W-1</prestation></referencePrestationPriseImpactees>$',
      ),
    );
  });

  it('filters: type, PM prestation references, periods, interventionRequiseOC, etat, impacted plug or prestation', async () => {
    expect(references((await ask('')).body)).toEqual(expect.arrayContaining(['TP-W-1', 'TP-W-2', 'DERCO-W-1']));
    expect(references((await ask('')).body)).not.toContain('TP-X-1');
    expect(references((await ask('<type>DERCO</type>')).body)).toEqual(['DERCO-W-1']);
    expect(references((await ask('<referencePrestationPm><prestationPm>PMP-75-0002</prestationPm><prestationPm>PMP-69-0001</prestationPm></referencePrestationPm>')).body).sort()).toEqual(['DERCO-W-1', 'TP-W-2']);
    expect(references((await ask(period('dateDebutTravaux', '2026-12-01T00:00:00Z', '2026-12-04T00:00:00Z'))).body).sort()).toEqual(['DERCO-W-1', 'TP-W-1']);
    expect(references((await ask(period('dateFinTravaux', '2026-12-10T00:00:00Z', '2026-12-11T00:00:00Z'))).body)).toEqual(['TP-W-2']);
    expect(references((await ask(period('dateCreation', '2000-01-01T00:00:00Z', '2001-01-01T00:00:00Z'))).body)).toEqual([]);
    expect(references((await ask('<interventionRequiseOC>OUI</interventionRequiseOC>')).body)).toEqual(['TP-W-1']);
    expect(references((await ask('<referencePriseImpactee>FI-0001-0001</referencePriseImpactee>')).body)).toEqual(['TP-W-1']);
    expect(references((await ask('<referencePrestationPriseImpactee>FTTH-W-2</referencePrestationPriseImpactee>')).body)).toEqual(['TP-W-2']);
    expect(references((await ask('<type>TP</type><etat>NOUVEAU</etat><referencePrestationPriseImpactee>FTTH-W-1</referencePrestationPriseImpactee>')).body)).toEqual(['TP-W-1']);
  });

  it('state changes by ops show in etat: REPLANIFICATION on new dates, MAJ otherwise, CLOTURE; impacted prestations listed', async () => {
    esavOk(t.env, 'travaux', 'update', 'TP-W-2', '--start', '2026-12-11T08:00:00Z', '--end', '2026-12-11T12:00:00Z');
    expect(references((await ask('<etat>REPLANIFICATION</etat>')).body)).toEqual(['TP-W-2']);
    esavOk(t.env, 'travaux', 'update', 'TP-W-2', '--comment', 'Créneau confirmé');
    expect(references((await ask('<etat>MAJ</etat>')).body)).toEqual(['TP-W-2']);
    esavOk(t.env, 'travaux', 'close', 'TP-W-2');
    expect(references((await ask('<etat>CLOTURE</etat>')).body)).toEqual(['TP-W-2']);
    const closedAgain = esav(t.env, 'travaux', 'update', 'TP-W-2', '--state', 'MAJ');
    expect(closedAgain.status).toBe(2);
    expect(closedAgain.stderr).toMatch(/TRAVAUX_CLOS/);
    expect(esavOk(t.env, 'travaux', 'impacted', 'TP-W-1')).toBe(`FTTH-W-1\t${OP}\tFTTH_ACCES\nFTTH-X-9\t${OTHER}\tFTTH_ACCES\n`);
    expect(esavOk(t.env, 'travaux', 'list', '--state', 'CLOTURE')).toMatch(/^TP-W-2\tTP\tCLOTURE/);
    const long = esav(t.env, 'travaux', 'update', 'TP-W-1', '--comment', 'x'.repeat(513));
    expect(long.stderr).toMatch(/COMMENTAIRE_TROP_LONG/);
  });

  it('an operator sees only works on its prestations or public ones', async () => {
    const other = references((await ask('', otherFtth)).body).sort();
    expect(other).toEqual(['DERCO-W-1', 'TP-W-1', 'TP-X-1']);
    const r = await ask('<referenceTPDERCO>TP-W-1</referenceTPDERCO>', otherFtth);
    expect(r.body).toContain('<referencePrestationPriseImpactees><prestation>FTTH-X-9</prestation></referencePrestationPriseImpactees>');
    expect(r.body).not.toContain('FTTH-W-1');
    expect(r.body).not.toContain('FI-0001-0001');
    expect(references((await ask('<referencePrestationPriseImpactee>FTTH-X-9</referencePrestationPriseImpactee>')).body)).toEqual(['TP-W-1']);
  });

  it('also takes the header as the reference WSDL literally declares it (no namespace) and no header at all', async () => {
    const bare = `<InfoTravauxFTTHHeader><supplierID>OI</supplierID><serviceProviderID>OC-BARE</serviceProviderID></InfoTravauxFTTHHeader>`;
    const r = await ask('<referenceTPDERCO>DERCO-W-1</referenceTPDERCO>', ftth, bare);
    expect(r.body).toContain('<travaux reference="DERCO-W-1" serviceProviderID="OC-BARE">');
    const none = await soapPost(`${t.base}/ws/travaux-ftth/v1`, ftth, envelope(`<v1:getInfoTravauxFTTHRequest xmlns:v1="${IF}"><type>DERCO</type></v1:getInfoTravauxFTTHRequest>`), '');
    expect(none.body).toContain(`<travaux reference="DERCO-W-1" serviceProviderID="${OP}">`);
  });

  it('counts each answered request as a works information request', async () => {
    const n = async () => (await db.query("SELECT COALESCE(sum(count), 0)::int AS n FROM volumetry WHERE operator_siren = $1 AND kind = 'INFO_TRAVAUX'", [OP])).rows[0].n as number;
    const before = await n();
    await ask('<type>TP</type>');
    await ask('<type>BOGUS</type>');
    expect(await n()).toBe(before + 1);
  });
});

describe('infoFtthError faults', () => {
  const fault = (body: string) => {
    const m = /<detail><tns:infoFtthError xmlns:tns="([^"]+)"><codeRetour>(\d+)<\/codeRetour><messageRetour>([^<]*)<\/messageRetour><\/tns:infoFtthError><\/detail>/.exec(body);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(IF);
    return { codeRetour: Number(m![2]), message: m![3]! };
  };

  it('malformed filters: an unknown type, a bad date, an inverted period, an unknown element', async () => {
    for (const filters of ['<type>TX</type>', period('dateCreation', 'hier', '2026-12-01T00:00:00Z'), '<inconnu>1</inconnu>', '<etat>OUVERT</etat>']) {
      const r = await ask(filters);
      expect(r.status).toBe(500);
      expect(fault(r.body)).toMatchObject({ codeRetour: 10, message: expect.stringMatching(/^SCHEMA_INVALIDE : /) });
    }
    const inverted = await ask(period('dateDebutTravaux', '2026-12-05T00:00:00Z', '2026-12-01T00:00:00Z'));
    expect(fault(inverted.body)).toMatchObject({ codeRetour: 11, message: expect.stringMatching(/^PERIODE_INVALIDE : /) });
  });

  it('an esav certificate is refused (FTTH only), in the Interop\'Fibre fault shape', async () => {
    const r = await ask('', esavCreds);
    expect(r.body).toContain('<faultcode>soap:Client</faultcode>');
    expect(fault(r.body)).toMatchObject({ codeRetour: 20, message: expect.stringMatching(/^PERIMETRE_CERTIFICAT/) });
  });
});

describe('the served WSDL', () => {
  it('keeps the wire contract and loads in node-soap, which calls it with the header', async () => {
    const w = await request(`${t.base}/ws/travaux-ftth/v1?wsdl`, ftth);
    expect(w.body).toContain(`targetNamespace="${IF}"`);
    expect(w.body).toContain('<soap:operation soapAction="getInfoTravauxFTTH"/>');
    expect(w.body).toContain(`<soap:address location="${t.base}/ws/travaux-ftth/v1"/>`);
    expect(w.body).toContain(`schemaLocation="${t.base}/ws/travaux-ftth/v1?xsd=infoTravauxFTTH.xsd"`);
    const xsd = await request(`${t.base}/ws/travaux-ftth/v1?xsd=infoTravauxFTTH.xsd`, ftth);
    expect(xsd.body).toContain('elementFormDefault="unqualified"');

    const httpsAgent = new https.Agent({ key: ftth.key, cert: ftth.cert, ca: ftth.ca });
    const client = await soap.createClientAsync(`${t.base}/ws/travaux-ftth/v1?wsdl`, { wsdl_options: { httpsAgent }, disableCache: true });
    client.setSecurity(new soap.ClientSSLSecurity(ftth.key, ftth.cert, ftth.ca));
    client.addSoapHeader({ InfoTravauxFTTHHeader: { supplierID: 'OI', serviceProviderID: 'OC-NODE' } }, '', 'v1', IF);
    const [res] = await client.getInfoTravauxFTTHAsync({ type: 'DERCO' });
    expect(client.lastRequest).toContain('<serviceProviderID>OC-NODE</serviceProviderID></v1:InfoTravauxFTTHHeader></soap:Header>');
    expect(res.listeTravaux.travaux).toHaveLength(1);
    expect(res.listeTravaux.travaux[0].attributes).toEqual({ reference: 'DERCO-W-1', serviceProviderID: 'OC-NODE' });
    expect(res.listeTravaux.travaux[0]).toMatchObject({ type: 'DERCO', equipementConcerne: 'LIENPMPBO', interventionRequiseOC: 'NON', referenceIncident: 'INC-2026-77' });
  });

  it('loads in python zeep (Debian python3-zeep), which calls it with its header and reads the infoFtthError fault', async () => {
    const python = '/usr/bin/python3';
    const hasZeep = existsSync(python) && spawnSync(python, ['-c', 'import zeep'], { encoding: 'utf8' }).status === 0;
    // A missing zeep is a failure, never a silent pass (README: python3-zeep is a prerequisite).
    if (!hasZeep) throw new Error('python3-zeep is not installed for /usr/bin/python3: apt-get install -y python3-zeep');
    const dir = t.dir;
    writeFileSync(join(dir, 'zeep.crt'), ftth.cert);
    writeFileSync(join(dir, 'zeep.key'), ftth.key);
    writeFileSync(join(dir, 'zeep-ca.crt'), ftth.ca);
    // Asynchronous: the gateway answering zeep runs in this very process.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(python, [join(PROJECT_ROOT, 'scripts', 'zeep_travaux.py'), t.base, join(dir, 'zeep.crt'), join(dir, 'zeep.key'), join(dir, 'zeep-ca.crt')]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.travaux_operations).toEqual(['getInfoTravauxFTTH']);
    expect(out.test_operations).toEqual(['consulterResultatTest', 'consulterTravauxIncidents', 'lancerTest', 'listerTestsDisponibles']);
    const tp1 = out.travaux.find((w: { reference: string }) => w.reference === 'TP-W-1');
    expect(tp1).toEqual({ reference: 'TP-W-1', serviceProviderID: 'OC-ZEEP', type: 'TP', etat: 'NOUVEAU', prestations: ['FTTH-W-1'] });
    expect(out.fault).toMatchObject({ codeRetour: '11', messageRetour: expect.stringMatching(/^PERIODE_INVALIDE/) });
  });
});
