import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import pg from 'pg';
import soap from 'soap';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, envelope, formXml, parseSoap, soapPost, V1 } from '../support/http.js';
import { RecentTestGuard } from '../../src/domain/tests/guard.js';

const TEST_NS = 'urn:fr:esav:test:v1';
const OP = '732829320';
const OTHER = '380129866';
let t: TestGateway;
let esavCreds: ClientCreds;
let ftthCreds: ClientCreds;
let otherCreds: ClientCreds;
let db: pg.Pool;

async function call(op: string, inner: string, c = esavCreds) {
  const r = await soapPost(`${t.base}/ws/test/v1`, c, envelope(`<t:${op} xmlns:t="${TEST_NS}">${inner}</t:${op}>`), `${TEST_NS}#${op}`);
  return parseSoap(r.body);
}

async function launch(prestation: string, type: string, c = esavCreds): Promise<string> {
  const p = await call('lancerTest', `<t:identifiantPrestation>${prestation}</t:identifiantPrestation><t:typeTest>${type}</t:typeTest>`, c);
  if (!p.payload) throw new Error(`lancerTest failed: ${JSON.stringify(p.fault)}`);
  expect(p.payload.lancerTestReponse.etat).toBe('EN_COURS');
  return p.payload.lancerTestReponse.idTest;
}

/** Polls consulterResultatTest until the test leaves EN_COURS (bounded number of polls). */
async function poll(id: string, c = esavCreds): Promise<Record<string, any>> {
  for (let i = 0; i < 300; i++) {
    const r = (await call('consulterResultatTest', `<t:idTest>${id}</t:idTest>`, c)).payload!.consulterResultatTestReponse;
    if (r.etat !== 'EN_COURS') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`test ${id} still EN_COURS`);
}

async function counted(kind: string, siren = OP): Promise<number> {
  const r = await db.query('SELECT COALESCE(sum(count), 0)::int AS n FROM volumetry WHERE operator_siren = $1 AND kind = $2', [siren, kind]);
  return r.rows[0].n;
}

beforeAll(async () => {
  t = await startTestGateway();
  esavCreds = t.issue(OP, 'esav', 'Opérateur Tests');
  ftthCreds = t.issue(OP, 'ftth');
  otherCreds = t.issue(OTHER, 'esav');
  const add = (siren: string, id: string, offer: string) => esavOk(t.env, 'prestation', 'add', '--operator', siren, '--id', id, '--offer', offer);
  for (const id of ['RAPIDE-ETH-OK', 'RAPIDE-ETH-KO-CLIENT', 'RAPIDE-ETH-TIMEOUT', 'RAPIDE-ETH-ERREUR', 'RAPIDE-ETH-GARDE', 'RAPIDE-ETH-TRAVAUX']) add(OP, id, 'ETH_ENTREPRISE');
  add(OP, 'RAPIDE-FTTH-KO-RESEAU', 'FTTH_ACCES');
  add(OP, 'RAPIDE-CU-1', 'CUIVRE_ACCES');
  add(OTHER, 'RAPIDE-ETH-AUTRE', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('e-SAV Test with the node-soap client over mTLS', () => {
  it('the WSDL loads; listerTestsDisponibles lists the offer\'s tests, or says none are available', async () => {
    const httpsAgent = new https.Agent({ key: esavCreds.key, cert: esavCreds.cert, ca: esavCreds.ca });
    const client = await soap.createClientAsync(`${t.base}/ws/test/v1?wsdl`, { wsdl_options: { httpsAgent }, disableCache: true });
    client.setSecurity(new soap.ClientSSLSecurity(esavCreds.key, esavCreds.cert, esavCreds.ca));
    const [eth] = await client.listerTestsDisponiblesAsync({ identifiantPrestation: 'RAPIDE-ETH-OK' });
    expect(eth.offre).toBe('ETH_ENTREPRISE');
    expect(eth.testsDisponibles).toBe(true);
    expect(eth.test.map((x: { type: string }) => x.type)).toEqual(['ETAT_SERVICE', 'ETAT_SESSION', 'REINIT_PORT', 'TRAVAUX_INCIDENTS']);
    const [cu] = await client.listerTestsDisponiblesAsync({ identifiantPrestation: 'RAPIDE-CU-1' });
    expect(cu.testsDisponibles).toBe(false);
    expect(cu.test).toBeUndefined();
    expect(cu.motif).toMatch(/Aucun test.*CUIVRE_ACCES/);

    const [launched] = await client.lancerTestAsync({ identifiantPrestation: 'RAPIDE-ETH-OK', typeTest: 'ETAT_SERVICE', referenceExterne: 'MON-TEST-1' });
    expect(launched.etat).toBe('EN_COURS');
    const done = await poll(launched.idTest);
    expect(done).toMatchObject({ idTest: launched.idTest, identifiantPrestation: 'RAPIDE-ETH-OK', typeTest: 'ETAT_SERVICE', referenceExterne: 'MON-TEST-1', etat: 'TERMINE', verdict: 'OK' });
  });
});

describe('lancerTest answers at once; the test runs in the background', () => {
  it('a test polls to TERMINE with measures, verdict, origin and timestamps', async () => {
    const id = await launch('RAPIDE-ETH-KO-CLIENT', 'ETAT_SESSION');
    // The row exists, EN_COURS, before any result: nothing ran inside the request.
    const row = (await db.query('SELECT state, operator_siren FROM line_tests WHERE id = $1', [id])).rows[0];
    expect(row).toEqual({ state: 'EN_COURS', operator_siren: OP });
    const r = await poll(id);
    expect(r.etat).toBe('TERMINE');
    expect(r.verdict).toBe('KO');
    expect(r.origineProbable).toBe('INSTALLATION_CLIENT');
    expect(r.mesure).toEqual([
      { nom: 'sessionActive', valeur: 'NON', date: expect.any(String) },
      { nom: 'dureeSession', valeur: '0', unite: 's', date: expect.any(String) },
    ]);
    const [launched, started, ended] = [r.dateLancement, r.dateDebut, r.dateFin].map((d: string) => new Date(d).getTime());
    expect(launched).toBeLessThanOrEqual(started!);
    expect(started).toBeLessThanOrEqual(ended!);
    expect(r.erreur).toBeUndefined();
  });

  it('FTTH: optical line test with an ftth certificate, provider network at fault', async () => {
    const id = await launch('RAPIDE-FTTH-KO-RESEAU', 'ETAT_LIGNE_OPTIQUE', ftthCreds);
    const r = await poll(id, ftthCreds);
    expect(r).toMatchObject({ etat: 'TERMINE', verdict: 'KO', origineProbable: 'RESEAU_FOURNISSEUR' });
    expect(r.mesure.map((m: { nom: string; unite: string }) => `${m.nom}:${m.unite}`)).toEqual(['puissanceRecue:dBm', 'attenuation:dB']);
  });

  it('a launch retried with its referenceExterne (even at once, 10 together) gets the same test; another content under it is refused', async () => {
    const inner = (type: string, ext: string) => `<t:identifiantPrestation>RAPIDE-ETH-OK</t:identifiantPrestation><t:typeTest>${type}</t:typeTest><t:referenceExterne>${ext}</t:referenceExterne>`;
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('lancerTest', inner('ETAT_SERVICE', 'RETRY-1'))));
    const ids = new Set(replies.map((r) => r.payload?.lancerTestReponse.idTest));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(id).toMatch(/^T-/);
    expect((await db.query("SELECT count(*)::int AS n FROM line_tests WHERE operator_siren = $1 AND external_ref = 'RETRY-1'", [OP])).rows[0].n).toBe(1);
    const done = await poll(id);
    const again = await call('lancerTest', inner('ETAT_SERVICE', 'RETRY-1'));
    expect(again.payload?.lancerTestReponse).toMatchObject({ idTest: id, etat: done.etat });
    const conflict = await call('lancerTest', inner('ETAT_SESSION', 'RETRY-1'));
    expect(conflict.fault?.code).toBe('REFERENCE_EXTERNE_CONFLIT');
    // Without a referenceExterne, each launch is a new test (waited for: later tests count results).
    const plain = await launch('RAPIDE-ETH-OK', 'ETAT_SERVICE');
    expect(plain).not.toBe(id);
    await poll(plain);
  });

  it('an element that times out or fails ends the test in ECHEC with the reason, and it is not counted', async () => {
    const before = await counted('TEST_AVEC_RESULTAT');
    const timeout = await poll(await launch('RAPIDE-ETH-TIMEOUT', 'ETAT_SERVICE'));
    expect(timeout).toMatchObject({ etat: 'ECHEC', erreur: { code: 'DELAI_DEPASSE' } });
    expect(timeout.verdict).toBeUndefined();
    expect(timeout.dateFin).toBeDefined();
    const failed = await poll(await launch('RAPIDE-ETH-ERREUR', 'REINIT_PORT'));
    expect(failed).toMatchObject({ etat: 'ECHEC', erreur: { code: 'ERREUR_EQUIPEMENT' } });
    expect(await counted('TEST_AVEC_RESULTAT')).toBe(before);
  });

  it('volumetry counts each test with a result once, per operator and Paris day', async () => {
    const before = await counted('TEST_AVEC_RESULTAT');
    await poll(await launch('RAPIDE-ETH-OK', 'ETAT_SERVICE'));
    await poll(await launch('RAPIDE-ETH-OK', 'ETAT_SESSION'));
    expect(await counted('TEST_AVEC_RESULTAT')).toBe(before + 2);
    const days = (await db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM volumetry WHERE operator_siren = $1 AND kind = 'TEST_AVEC_RESULTAT'`, [OP])).rows;
    const paris = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
    expect(days.map((d) => d.day)).toContain(paris);
    expect(esavOk(t.env, 'volumetry', '--operator', OP, '--from', '2020-01-01', '--to', '2099-12-31')).toMatch(/TEST_AVEC_RESULTAT\t\d+/);
    expect(await counted('TEST_AVEC_RESULTAT', OTHER)).toBe(0);
  });
});

describe('bad inputs get their own faults', () => {
  const launchFault = async (prestation: string, type: string, c = esavCreds) =>
    (await call('lancerTest', `<t:identifiantPrestation>${prestation}</t:identifiantPrestation><t:typeTest>${type}</t:typeTest>`, c)).fault!;

  it('unknown test type, type not open for the offer, offer without tests', async () => {
    expect((await launchFault('RAPIDE-ETH-OK', 'TEST_IMAGINAIRE')).code).toBe('TYPE_TEST_INCONNU');
    const notOpen = await launchFault('RAPIDE-ETH-OK', 'ETAT_LIGNE_OPTIQUE');
    expect(notOpen.code).toBe('TEST_NON_DISPONIBLE');
    expect(notOpen.message).toContain('ETAT_SERVICE');
    expect((await launchFault('RAPIDE-CU-1', 'ETAT_SERVICE')).code).toBe('OFFRE_SANS_TEST');
    expect((await launchFault('RAPIDE-ETH-OK', 'minuscules')).code).toBe('SCHEMA_INVALIDE');
  });

  it("another operator's prestation looks like a missing one; an FTTH prestation needs an ftth certificate", async () => {
    const theirs = await launchFault('RAPIDE-ETH-AUTRE', 'ETAT_SERVICE');
    const none = await launchFault('RAPIDE-ETH-NULLE', 'ETAT_SERVICE');
    expect(theirs.code).toBe('PRESTATION_INCONNUE');
    expect(theirs.message.replace('RAPIDE-ETH-AUTRE', 'X')).toBe(none.message.replace('RAPIDE-ETH-NULLE', 'X'));
    expect((await launchFault('RAPIDE-FTTH-KO-RESEAU', 'ETAT_SERVICE')).code).toBe('PERIMETRE_CERTIFICAT');
    const n = (await db.query("SELECT count(*)::int AS n FROM line_tests WHERE prestation_id IN ('RAPIDE-ETH-AUTRE', 'RAPIDE-FTTH-KO-RESEAU') AND operator_siren = $1 AND test_type = 'ETAT_SERVICE'", [OP])).rows[0].n;
    expect(n).toBe(0);
  });

  it("an unknown test id and another operator's test answer TEST_INCONNU alike", async () => {
    const mine = await launch('RAPIDE-ETH-OK', 'ETAT_SERVICE');
    const other = (await call('consulterResultatTest', `<t:idTest>${mine}</t:idTest>`, otherCreds)).fault!;
    const none = (await call('consulterResultatTest', `<t:idTest>T-inexistant</t:idTest>`, otherCreds)).fault!;
    expect(other.code).toBe('TEST_INCONNU');
    expect(none.code).toBe('TEST_INCONNU');
    expect(other.message.replace(mine, 'X')).toBe(none.message.replace('T-inexistant', 'X'));
    await poll(mine);
  });
});

describe('a recent test as a precondition of the deposit', () => {
  const deposit = async (prestation: string) =>
    parseSoap((await soapPost(`${t.base}/ws/signalisation/v1`, esavCreds, depositXml(V1, prestation, { form: formXml('ETH-') }), `${V1}#deposerSignalisation`)).body);

  it('refused without a finished test within the window, accepted after one; ops switch it per offer', async () => {
    expect(esav(t.env, 'offer', 'test-required', '--offer', 'ETH_ENTREPRISE').status).toBe(2);
    expect(esavOk(t.env, 'offer', 'test-required', '--offer', 'ETH_ENTREPRISE', '--within-hours', '4')).toMatch(/240 minutes/);
    const refused = await deposit('RAPIDE-ETH-GARDE');
    expect(refused.fault?.code).toBe('TEST_PREALABLE_REQUIS');
    expect(refused.fault?.message).toMatch(/240 minutes/);
    expect((await db.query("SELECT count(*)::int AS n FROM tickets WHERE prestation_id = 'RAPIDE-ETH-GARDE'")).rows[0].n).toBe(0);

    const r = await poll(await launch('RAPIDE-ETH-GARDE', 'ETAT_SERVICE'));
    expect(r.etat).toBe('TERMINE');
    const accepted = await deposit('RAPIDE-ETH-GARDE');
    expect(accepted.payload?.deposerSignalisationReponse.etat).toBe('EN_DEPOT');

    // Another offer is not concerned.
    expect(esavOk(t.env, 'offer', 'test-required', '--offer', 'ETH_ENTREPRISE', '--off')).toMatch(/no longer/);
  });

  it('the window is measured on the clock the deposit uses (pinned): 4 h 01 after the test is too late', async () => {
    await db.query("UPDATE offers SET test_required_minutes = 240 WHERE code = 'ETH_ENTREPRISE'");
    try {
      const finished = (await db.query("SELECT max(finished_at) AS at FROM line_tests WHERE prestation_id = 'RAPIDE-ETH-GARDE' AND state = 'TERMINE'")).rows[0].at as Date;
      const guard = new RecentTestGuard(db);
      const p = { prestationId: 'RAPIDE-ETH-GARDE', offerCode: 'ETH_ENTREPRISE' };
      await expect(guard.check({ siren: OP }, p, {}, new Date(finished.getTime() + 239 * 60_000))).resolves.toBeUndefined();
      await expect(guard.check({ siren: OP }, p, {}, new Date(finished.getTime() + 241 * 60_000))).rejects.toMatchObject({ code: 'TEST_PREALABLE_REQUIS' });
      // Another operator's test on the same prestation id never counts for this one.
      await expect(guard.check({ siren: OTHER }, p, {}, new Date(finished.getTime() + 60_000))).rejects.toMatchObject({ code: 'TEST_PREALABLE_REQUIS' });
    } finally {
      await db.query("UPDATE offers SET test_required_minutes = NULL WHERE code = 'ETH_ENTREPRISE'");
    }
  });
});

describe('planned works and incidents on a prestation (all offers)', () => {
  const query = async (prestation: string, periode = '', c = esavCreds) =>
    call('consulterTravauxIncidents', `<t:identifiantPrestation>${prestation}</t:identifiantPrestation>${periode}`, c);

  it('lists what affects the prestation now or in a window, public incidents included, nobody else\'s', async () => {
    const now = Date.now();
    const iso = (h: number) => new Date(now + h * 3600_000).toISOString();
    esavOk(t.env, 'travaux', 'create', 'TP-LT-1', '--type', 'TP', '--equipment', 'PM', '--pm', 'PM-75-001', '--pm-prestation', 'PMP-1', '--start', iso(-1), '--end', iso(2), '--prestations', 'RAPIDE-ETH-TRAVAUX,RAPIDE-ETH-AUTRE', '--comment', 'Remplacement de coupleur');
    esavOk(t.env, 'travaux', 'create', 'TP-LT-2', '--type', 'TP', '--equipment', 'PBO', '--pm', 'PM-75-001', '--pm-prestation', 'PMP-1', '--start', iso(24), '--end', iso(26), '--prestations', 'RAPIDE-ETH-TRAVAUX');
    esavOk(t.env, 'travaux', 'create', 'DERCO-LT-1', '--type', 'DERCO', '--equipment', 'PM', '--pm', 'PM-69-002', '--pm-prestation', 'PMP-2', '--start', iso(-2), '--public', 'oui', '--incident', 'INC-42');
    esavOk(t.env, 'travaux', 'create', 'TP-LT-3', '--type', 'TP', '--equipment', 'PM', '--pm', 'PM-13-003', '--pm-prestation', 'PMP-3', '--start', iso(-1), '--prestations', 'RAPIDE-ETH-AUTRE');
    const before = await counted('INFO_TRAVAUX');

    const nowList = (await query('RAPIDE-ETH-TRAVAUX')).payload!.consulterTravauxIncidentsReponse.travaux;
    expect(nowList.map((w: { reference: string }) => w.reference)).toEqual(['DERCO-LT-1', 'TP-LT-1']);
    expect(nowList[0]).toMatchObject({ nature: 'INCIDENT', etat: 'NOUVEAU', referenceIncident: 'INC-42' });
    expect(nowList[1]).toMatchObject({ nature: 'TP', equipementConcerne: 'PM', commentaire: 'Remplacement de coupleur', interventionRequiseOC: 'false' });

    const tomorrow = (await query('RAPIDE-ETH-TRAVAUX', `<t:periode><t:debut>${iso(23)}</t:debut><t:fin>${iso(27)}</t:fin></t:periode>`)).payload!.consulterTravauxIncidentsReponse.travaux;
    expect(tomorrow.map((w: { reference: string }) => w.reference)).toEqual(['DERCO-LT-1', 'TP-LT-2']);

    const otherView = (await query('RAPIDE-ETH-AUTRE', '', otherCreds)).payload!.consulterTravauxIncidentsReponse.travaux;
    expect(otherView.map((w: { reference: string }) => w.reference)).toEqual(['DERCO-LT-1', 'TP-LT-1', 'TP-LT-3']);
    expect((await query('RAPIDE-ETH-AUTRE')).fault?.code).toBe('PRESTATION_INCONNUE');
    expect((await query('RAPIDE-ETH-TRAVAUX', `<t:periode><t:debut>${iso(5)}</t:debut><t:fin>${iso(1)}</t:fin></t:periode>`)).fault?.code).toBe('PERIODE_INVALIDE');
    expect(await counted('INFO_TRAVAUX')).toBe(before + 2);

    // Closed now: no longer affecting the prestation now.
    esavOk(t.env, 'travaux', 'close', 'TP-LT-1');
    const after = (await query('RAPIDE-ETH-TRAVAUX')).payload!.consulterTravauxIncidentsReponse.travaux;
    expect(after.reference).toBe('DERCO-LT-1');
  });

  it('the TRAVAUX_INCIDENTS test reads the works on the path: KO, provider network, with their references', async () => {
    const r = await poll(await launch('RAPIDE-ETH-TRAVAUX', 'TRAVAUX_INCIDENTS'));
    expect(r).toMatchObject({ etat: 'TERMINE', verdict: 'KO', origineProbable: 'RESEAU_FOURNISSEUR' });
    expect(r.mesure.filter((m: { nom: string }) => m.nom === 'reference').map((m: { valeur: string }) => m.valeur)).toEqual(['DERCO-LT-1']);
  });
});
