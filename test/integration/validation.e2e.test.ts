import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { XMLParser } from 'fast-xml-parser';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk, spawnGateway } from '../support/cli.js';
import { depositXml, envelope, parseSoap, request, soapPost, V1 } from '../support/http.js';
import { waitFor } from '../support/load.js';
import { credsDir, client } from '../support/integration.js';

const OP = '443061841';
const TEST_NS = 'urn:fr:esav:test:v1';
const IF = 'http://interop-fibre.fr';
const TRAVAUX = 'http://interop-fibre.fr/wsdl/ftth/infoTravaux/v1-0';
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false });

let t: TestGateway;
let esavCreds: ClientCreds;
let ftthCreds: ClientCreds;
let second: { child: ChildProcess; port: number } | undefined;

const deposit = (port = t.gw.port) => soapPost(`https://localhost:${port}/ws/signalisation/v1`, esavCreds, depositXml(V1, 'ETH-V1'), `${V1}#deposerSignalisation`);
const listTests = (port = t.gw.port) =>
  soapPost(`https://localhost:${port}/ws/test/v1`, esavCreds, envelope(`<t:listerTestsDisponibles xmlns:t="${TEST_NS}"><t:identifiantPrestation>ETH-V1</t:identifiantPrestation></t:listerTestsDisponibles>`), `${TEST_NS}#listerTestsDisponibles`);
const code = (body: string) => parseSoap(body).fault?.code ?? 'ok';

beforeAll(async () => {
  // No harness shortcut here: the operators of this file start unvalidated, as in production.
  t = await startTestGateway({}, { validateOperators: false });
  esavCreds = t.issue(OP, 'esav', 'Opérateur Non Validé');
  ftthCreds = t.issue(OP, 'ftth');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-V1', '--offer', 'ETH_ENTREPRISE');
});

afterAll(async () => {
  second?.child.kill('SIGTERM');
  if (second) await new Promise((r) => second!.child.once('exit', r));
  await t?.close();
});

describe('production refuses an operator that has not validated a domain (article 5.2.1)', () => {
  it('answers OPERATEUR_NON_VALIDE on every service of both domains, in each service\'s fault shape', async () => {
    const dep = await deposit();
    expect(dep.status).toBe(500);
    const f = parseSoap(dep.body).fault!;
    expect(f).toMatchObject({ faultcode: 'soap:Client', code: 'OPERATEUR_NON_VALIDE' });
    expect(f.message).toMatch(/domaine signalisation.*plate-forme d'intégration/);
    expect(parseSoap((await listTests()).body).fault).toMatchObject({ code: 'OPERATEUR_NON_VALIDE', message: expect.stringMatching(/domaine test/) });

    const entete = `<tns:EnteteType xmlns:tns="${IF}"><versionWS>5.0</versionWS><horodatageRequete>${new Date().toISOString()}</horodatageRequete><sirenOC>${OP}</sirenOC><sirenOI>411111112</sirenOI></tns:EnteteType>`;
    const rdv = await soapPost(`${t.base}/ws/rdv-ftth/v1`, ftthCreds, envelope(`<tns:ConsultationRdvRequete xmlns:tns="${IF}"><idRendezVous>RDV-X</idRendezVous></tns:ConsultationRdvRequete>`, entete), '');
    const info = parser.parse(rdv.body).Envelope.Body.Fault.detail.InfoErreurType;
    expect(info.messageErreur).toMatch(/^\[OPERATEUR_NON_VALIDE\]/);
    const works = await soapPost(`${t.base}/ws/travaux-ftth/v1`, ftthCreds, envelope(`<v1:getInfoTravauxFTTHRequest xmlns:v1="${TRAVAUX}"/>`), 'getInfoTravauxFTTH');
    const err = parser.parse(works.body).Envelope.Body.Fault.detail.infoFtthError;
    expect(err.messageRetour).toMatch(/^OPERATEUR_NON_VALIDE : .*domaine test/);
  });

  it('does not gate the service list and the WSDLs', async () => {
    expect((await request(`${t.base}/ws`, esavCreds)).status).toBe(200);
    expect((await request(`${t.base}/ws/signalisation/v1?wsdl`, esavCreds)).status).toBe(200);
    expect((await request(`${t.base}/ws/test/v1?wsdl`, esavCreds)).status).toBe(200);
  });

  it('esav-client prints the fault with its code and exits 3', async () => {
    const r = await client(t.base, credsDir(t, esavCreds, 'prod-esav'), 'test', 'list', '--prestation', 'ETH-V1');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^fault soap:Client OPERATEUR_NON_VALIDE: L'opérateur 443061841 n'a pas validé le domaine test/);
  });

  it('esav operator validation shows where the operator stands', () => {
    const out = esavOk(t.env, 'operator', 'validation', '--siren', OP);
    expect(out).toMatch(/^operator 443061841 \(Opérateur Non Validé\)$/m);
    expect(out).toMatch(/^signalisation +NOT VALIDATED/m);
    expect(out).toMatch(/^test +NOT VALIDATED .*OPERATEUR_NON_VALIDE/m);
    const json = JSON.parse(esavOk(t.env, 'operator', 'validation', '--siren', OP, '--json'));
    expect(json).toMatchObject({ siren: OP, registeredInProduction: true, enforced: true, domains: { signalisation: { validated: false }, test: { validated: false } } });
  });
});

describe('a validation recorded by hand', () => {
  it('opens its domain only, from the next request; the first record stays; it is audited', async () => {
    const out = esavOk(t.env, 'operator', 'validation', '--siren', OP, '--record', 'signalisation', '--reason', 'campagne sur la plate-forme d\'intégration du 12/11, PV 2026-118');
    expect(out).toMatch(/^operator 443061841: signalisation validated \(recorded by hand\)$/m);
    expect(out).toMatch(/^signalisation +validated +\S+ +recorded by hand by \S+ .*PV 2026-118/m);
    await waitFor('the deposit to be accepted', async () => ((await deposit()).status === 200 ? true : undefined), 10_000, 100);
    expect(code((await listTests()).body)).toBe('OPERATEUR_NON_VALIDE');

    expect(esavOk(t.env, 'operator', 'validation', '--siren', OP, '--record', 'signalisation', '--reason', 'encore')).toMatch(/already validated: first record kept/);
    const json = JSON.parse(esavOk(t.env, 'operator', 'validation', '--siren', OP, '--json'));
    expect(json.domains.signalisation).toMatchObject({ validated: true, how: 'manual', details: { reason: 'campagne sur la plate-forme d\'intégration du 12/11, PV 2026-118' } });
    const audit = esavOk(t.env, 'audit', '--operator', OP);
    expect(audit.match(/validation-record/g)).toHaveLength(1);
  });

  it('bad command lines say what to fix (exit 2)', () => {
    for (const args of [
      ['--siren', OP, '--record', 'tickets', '--reason', 'x'],
      ['--siren', OP, '--record', 'test'],
      ['--siren', OP, '--reason', 'x'],
      ['--siren', '12'],
    ]) {
      const r = esav(t.env, 'operator', 'validation', ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--record|--reason|--siren/);
    }
  });

  it('every gateway process drops its cached answer on NOTIFY: refused in both, then accepted in both', async () => {
    second = await spawnGateway({ ...t.env, ESAV_WORKERS: '1' });
    // Both processes have cached "test not validated" for the operator.
    expect(code((await listTests()).body)).toBe('OPERATEUR_NON_VALIDE');
    expect(code((await listTests(second.port)).body)).toBe('OPERATEUR_NON_VALIDE');
    esavOk(t.env, 'operator', 'validation', '--siren', OP, '--record', 'test', '--reason', 'campagne faite ailleurs');
    for (const port of [t.gw.port, second.port]) {
      await waitFor(`the test domain to open on port ${port}`, async () => (code((await listTests(port)).body) === 'ok' ? true : undefined), 10_000, 100);
    }
    expect((await deposit(second.port)).status).toBe(200);
  });
});
