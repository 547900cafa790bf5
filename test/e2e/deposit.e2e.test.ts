import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import soap from 'soap';
import pg from 'pg';
import https from 'node:https';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, formXml, parseSoap, request, soapPost, V1, V2 } from '../support/http.js';
import { REFERENCE_PATTERN } from '../../src/domain/tickets/reference.js';

const OP = '552100554';
const OTHER = '380129866';

let t: TestGateway;
let creds: ClientCreds;
let db: pg.Client;

/** The form for node-soap: attributes on the wrapper, the form element as raw XML (xs:any). */
function nodeSoapForm(prestation: string) {
  const m = /^<s:formulaire catalogue="([^"]+)" code="([^"]+)">(.*)<\/s:formulaire>$/.exec(formXml(prestation))!;
  return { attributes: { catalogue: m[1], code: m[2] }, $xml: m[3] };
}

async function soapClient(version: string, c: ClientCreds): Promise<soap.Client> {
  // node-soap fetches the WSDL and its imported schemas through axios: give it an mTLS agent.
  const httpsAgent = new https.Agent({ key: c.key, cert: c.cert, ca: c.ca });
  const client = await soap.createClientAsync(`${t.base}/ws/signalisation/${version}?wsdl`, { wsdl_options: { httpsAgent }, disableCache: true });
  client.setSecurity(new soap.ClientSSLSecurity(c.key, c.cert, c.ca));
  return client;
}

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav', 'Opérateur Un');
  t.issue(OTHER, 'esav', 'Opérateur Deux');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-0001', '--offer', 'ETH_ENTREPRISE', '--end-a', 'Paris 15', '--end-z', 'Lyon 3');
  esavOk(t.env, 'prestation', 'add', '--operator', OTHER, '--id', 'ETH-9999', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Client({ connectionString: t.db.url });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('deposerSignalisation end to end over mTLS with the node-soap client', () => {
  it('deposits on v1 and the ticket is in PostgreSQL, state EN_DEPOT, with its first event', async () => {
    const client = await soapClient('v1', creds);
    const [res] = await client.deposerSignalisationAsync({
      identifiantPrestation: 'ETH-0001',
      referenceExterne: 'OPE1-T-0001',
      formulaire: nodeSoapForm('ETH-0001'),
      defautDeclare: { code: 'COUPURE', libelle: 'Coupure totale' },
      commentaire: 'Client sans service depuis 8h',
    });
    expect(res.referenceSignalisation).toMatch(REFERENCE_PATTERN);
    expect(res.etat).toBe('EN_DEPOT');
    const row = (await db.query('SELECT * FROM tickets WHERE reference = $1', [res.referenceSignalisation])).rows[0];
    expect(row).toMatchObject({ operator_siren: OP, prestation_id: 'ETH-0001', state: 'EN_DEPOT', fault_code: 'COUPURE', service_version: 'v1', external_ref: 'OPE1-T-0001', comment: 'Client sans service depuis 8h' });
    expect(new Date(res.dateDepot).getTime()).toBe(row.deposited_at.getTime());
    const events = (await db.query('SELECT to_state, actor FROM ticket_events WHERE ticket_id = $1', [row.id])).rows;
    expect(events).toEqual([{ to_state: 'EN_DEPOT', actor: `operateur:${OP}` }]);
  });

  it('deposits on v2 with its new optional element, kept with the ticket', async () => {
    const client = await soapClient('v2', creds);
    const [res] = await client.deposerSignalisationAsync({
      identifiantPrestation: 'ETH-0001',
      formulaire: nodeSoapForm('ETH-0001'),
      defautDeclare: { code: 'DEGRADATION', libelle: 'Débit dégradé' },
      contactSurSite: { nom: 'M. Martin', telephone: '+33 1 23 45 67 89' },
    });
    expect(res.referenceSignalisation).toMatch(REFERENCE_PATTERN);
    const row = (await db.query('SELECT service_version, details FROM tickets WHERE reference = $1', [res.referenceSignalisation])).rows[0];
    expect(row.service_version).toBe('v2');
    expect(row.details.contactSurSite).toEqual({ nom: 'M. Martin', telephone: '+33 1 23 45 67 89' });
  });

  it('refuses the v2-only element on v1, naming it', async () => {
    const xml = depositXml(V1, 'ETH-0001', { extra: `<s:contactSurSite><s:nom>X</s:nom><s:telephone>0102030405</s:telephone></s:contactSurSite>` });
    const r = await soapPost(`${t.base}/ws/signalisation/v1`, creds, xml, `${V1}#deposerSignalisation`);
    const { fault } = parseSoap(r.body);
    expect(r.status).toBe(500);
    expect(fault?.code).toBe('SCHEMA_INVALIDE');
    expect(fault?.diagnostics.map((d) => d['#text']).join(' ')).toMatch(/contactSurSite/);
  });

  it('a retry with the same referenceExterne returns the same ticket; another payload is refused', async () => {
    const url = `${t.base}/ws/signalisation/v1`;
    const xml = depositXml(V1, 'ETH-0001', { ext: 'OPE1-RETRY-1' });
    const a = parseSoap((await soapPost(url, creds, xml, `${V1}#deposerSignalisation`)).body).payload!;
    const b = parseSoap((await soapPost(url, creds, xml, `${V1}#deposerSignalisation`)).body).payload!;
    expect(b.deposerSignalisationReponse.referenceSignalisation).toBe(a.deposerSignalisationReponse.referenceSignalisation);
    const n = (await db.query("SELECT count(*)::int AS n FROM tickets WHERE external_ref = 'OPE1-RETRY-1'")).rows[0].n;
    expect(n).toBe(1);
    const other = await soapPost(url, creds, depositXml(V1, 'ETH-0001', { ext: 'OPE1-RETRY-1', comment: 'autre' }), `${V1}#deposerSignalisation`);
    expect(parseSoap(other.body).fault?.code).toBe('REFERENCE_EXTERNE_CONFLIT');
  });

  it("another operator's prestation gets the same fault as one that does not exist", async () => {
    const url = `${t.base}/ws/signalisation/v1`;
    const theirs = parseSoap((await soapPost(url, creds, depositXml(V1, 'ETH-9999'), `${V1}#deposerSignalisation`)).body).fault!;
    const none = parseSoap((await soapPost(url, creds, depositXml(V1, 'ETH-0000'), `${V1}#deposerSignalisation`)).body).fault!;
    expect(theirs.code).toBe('PRESTATION_INCONNUE');
    expect(none.code).toBe('PRESTATION_INCONNUE');
    expect(theirs.message.replace('ETH-9999', 'X')).toBe(none.message.replace('ETH-0000', 'X'));
    const n = (await db.query("SELECT count(*)::int AS n FROM tickets WHERE prestation_id = 'ETH-9999'")).rows[0].n;
    expect(n).toBe(0);
  });

  it('GET /ws lists both live versions with absolute WSDL addresses that load', async () => {
    const r = await request(`${t.base}/ws`, creds);
    const list = JSON.parse(r.body);
    // Other services are live too (test, travaux-ftth, rdv-ftth): this test is about signalisation.
    const services = list.services.filter((s: { name: string }) => s.name === 'signalisation');
    expect(services.map((s: { version: string }) => s.version)).toEqual(['v1', 'v2']);
    for (const s of services) {
      expect(s).toMatchObject({ name: 'signalisation', status: 'live', wsdl: `${t.base}/ws/signalisation/${s.version}?wsdl` });
      const w = await request(s.wsdl, creds);
      expect(w.status).toBe(200);
      expect(w.body).toContain(`<soap:address location="${t.base}/ws/signalisation/${s.version}"/>`);
      expect(w.body).toContain(`schemaLocation="${t.base}/ws/signalisation/${s.version}?xsd=signalisation.xsd"`);
    }
  });

  it('every answer carries a request id, also in the one log line of the request', async () => {
    const r = await soapPost(`${t.base}/ws/signalisation/v1`, creds, depositXml(V1, 'ETH-0001'), `${V1}#deposerSignalisation`);
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = t.logLines.map((l) => JSON.parse(l)).find((l) => l.requestId === id);
    expect(line).toMatchObject({ siren: OP, fingerprint: creds.fingerprint, service: 'signalisation', version: 'v1', operation: 'deposerSignalisation', outcome: 'ok', status: 200 });
    expect(typeof line.ms).toBe('number');
    expect(t.logLines.join('\n')).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('the admin listener answers /health without a client certificate', async () => {
    const res = await fetch(`http://127.0.0.1:${t.gw.adminPort}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: true, versions: expect.arrayContaining(['signalisation/v1', 'signalisation/v2']) });
  });
});
