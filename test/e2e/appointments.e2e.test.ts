import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import soap from 'soap';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, envelope, formXml, soapPost, V1 } from '../support/http.js';
import { parisTime } from '../../src/calendar/index.js';
import { XMLParser } from 'fast-xml-parser';

const IF = 'http://interop-fibre.fr';
const OP = '478231046';
const OP2 = '310454362';
const PROVIDER = '411111112';
const ZONE = '75056';
const EMPTY_ZONE = '2A004';

let t: TestGateway;
let ftth: ClientCreds;
let ftth2: ClientCreds;
let db: pg.Pool;
// The business clock of the gateway under test: a Tuesday morning in Paris, moved by the tests.
let now = parisTime('2026-12-01', 10, 0);
const url = () => `${t.base}/ws/rdv-ftth/v1`;
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: false });

function entete(siren = OP, oi = PROVIDER): string {
  return `<tns:EnteteType xmlns:tns="${IF}"><versionWS>5.0</versionWS><horodatageRequete>${now.toISOString()}</horodatageRequete><sirenOC>${siren}</sirenOC><sirenOI>${oi}</sirenOI></tns:EnteteType>`;
}

/** The envelope a client generated from the reference WSDL sends: root qualified, children not. */
function ifEnvelope(root: string, children: string, siren = OP): string {
  return envelope(`<tns:${root} xmlns:tns="${IF}">${children}</tns:${root}>`, entete(siren));
}

async function rdv(root: string, children: string, c = ftth, siren = c === ftth ? OP : OP2) {
  const r = await soapPost(url(), c, ifEnvelope(root, children, siren), '');
  const doc = parser.parse(r.body).Envelope;
  const fault = doc.Body.Fault;
  return { status: r.status, raw: r.body, header: doc.Header?.EnteteType, body: doc.Body, fault: fault && { code: Number(fault.detail.InfoErreurType.codeErreur), message: String(fault.detail.InfoErreurType.messageErreur) } };
}

function searchXml(zone = ZONE, from = parisTime('2026-12-02', 0, 0), to = parisTime('2026-12-16', 0, 0), type = 'S'): string {
  return `<typeIntervention>${type}</typeIntervention><natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche>` +
    `<codeInsee>${zone}</codeInsee><dateDebut>${from.toISOString()}</dateDebut><dateFin>${to.toISOString()}</dateFin><defectPrelocalization>PTO</defectPrelocalization>`;
}

async function search(c = ftth, zone = ZONE, from?: Date, to?: Date): Promise<Array<{ dateDebut: string; dateFin: string; idOI: string }>> {
  const r = await rdv('RechercheCreneauxLibresRequete', searchXml(zone, from, to), c);
  if (r.fault) throw new Error(`search fault ${r.fault.code} ${r.fault.message}`);
  const occ = r.body.RechercheCreneauxLibresReponse.listeCreneau.occCreneau;
  return occ === undefined ? [] : Array.isArray(occ) ? occ : [occ];
}

async function reserve(idCreneau: string, c = ftth, zone = ZONE) {
  return rdv('ReservationCreneauRequete', `<natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche><codeInsee>${zone}</codeInsee><idCreneau>${idCreneau}</idCreneau>`, c);
}

async function consult(id: string, c = ftth) {
  return rdv('ConsultationRdvRequete', `<idRendezVous>${id}</idRendezVous>`, c);
}

async function report(id: string, nature: string, idCreneau: string) {
  return rdv('ReportRDVRequete', `<typeIntervention>S</typeIntervention><natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche><codeInsee>${ZONE}</codeInsee><idRendezvous>${id}</idRendezvous><natureReport>${nature}</natureReport><idCreneau>${idCreneau}</idCreneau>`);
}

async function deposit(prestation: string, extra: string) {
  const r = await soapPost(`${t.base}/ws/signalisation/v1`, ftth, depositXml(V1, prestation, { extra }), `${V1}#deposerSignalisation`);
  return parser.parse(r.body).Envelope.Body;
}

async function book(): Promise<string> {
  const slots = await search();
  const r = await reserve(slots[0]!.idOI);
  return r.body.ReservationCreneauReponse.idRendezvous;
}

beforeAll(async () => {
  t = await startTestGateway({}, { clock: () => now });
  ftth = t.issue(OP, 'ftth');
  ftth2 = t.issue(OP2, 'ftth');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-R1', '--offer', 'FTTH_ACCES', '--code-insee', ZONE);
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-R2', '--offer', 'FTTH_ACCES', '--code-insee', EMPTY_ZONE);
  esavOk(t.env, 'planning', 'technician', 'add', '--name', 'Alice', '--zones', `${ZONE},75101`, '--types', 'S,E', '--hours', '08:00-18:00');
  const file = join(t.dir, 'planning.json');
  writeFileSync(file, JSON.stringify([
    { name: 'Bruno', zones: [ZONE], types: ['S'], weekdays: [1, 2, 3, 4, 5], hours: '09:00-17:00', daysOff: ['2026-12-03'] },
    { name: 'Chloé', zones: ['69123'], types: ['S', 'E'] },
  ]));
  esavOk(t.env, 'planning', 'load', '--file', file);
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('rdv-ftth end to end with the node-soap client built from the served WSDL', () => {
  it('search -> reserve -> deposit -> CONFIRME, linked to the ticket', async () => {
    const httpsAgent = new https.Agent({ key: ftth.key, cert: ftth.cert, ca: ftth.ca });
    const client = await soap.createClientAsync(`${url()}?wsdl`, { wsdl_options: { httpsAgent }, disableCache: true });
    client.setSecurity(new soap.ClientSSLSecurity(ftth.key, ftth.cert, ftth.ca));
    client.addSoapHeader(entete());
    const [found] = await client.rechercheCreneauxLibresAsync({
      typeIntervention: 'S', natureProduit: 'FTTH_ACCES', segmentMarche: 'GP', codeInsee: ZONE,
      dateDebut: parisTime('2026-12-02', 0, 0).toISOString(), dateFin: parisTime('2026-12-04', 0, 0).toISOString(), defectPrelocalization: 'PBO',
    });
    const slots = found.listeCreneau.occCreneau as Array<{ dateDebut: Date | string; dateFin: Date | string; idOI: string }>;
    // Wednesday: Alice 08:00-18:00 (17 windows) and Bruno 09:00-17:00; Thursday: Bruno is off.
    expect(slots.length).toBe(34);
    const [reserved] = await client.reservationCreneauAsync({ natureProduit: 'FTTH_ACCES', segmentMarche: 'GP', codeInsee: ZONE, idCreneau: slots[3]!.idOI });
    const id = reserved.idRendezvous as string;
    expect(id).toMatch(/^RDV-/);
    const [before] = await client.consultationRdvAsync({ idRendezVous: id });
    expect(before.statutRendezVous).toBe('CREE');
    expect(new Date(before.dateDebut).getTime()).toBe(new Date(slots[3]!.dateDebut).getTime());

    const dep = await deposit('FTTH-R1', `<s:idRendezVous>${id}</s:idRendezVous>`);
    const ref = dep.deposerSignalisationReponse.referenceSignalisation;
    const [after] = await client.consultationRdvAsync({ idRendezVous: id });
    expect(after).toMatchObject({ idRendezVous: id, statutRendezVous: 'CONFIRME', referencePrestationPrise: ref, codeInsee: ZONE, typeIntervention: 'S' });
  });
});

describe('the Interop\'Fibre wire format', () => {
  it('answers the envelopes of a reference-WSDL client: root qualified, children unqualified, EnteteType header filled', async () => {
    const r = await soapPost(url(), ftth, ifEnvelope('RechercheCreneauxLibresRequete', searchXml(ZONE, parisTime('2026-12-04', 8, 0), parisTime('2026-12-04', 10, 30))), '');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(new RegExp(`<soap:Header><tns:EnteteType xmlns:tns="${IF}"><versionWS>5.0</versionWS><horodatageRequete>[^<]+</horodatageRequete><horodatageReponse>${now.toISOString()}</horodatageReponse><sirenOC>${OP}</sirenOC><sirenOI>${PROVIDER}</sirenOI></tns:EnteteType></soap:Header>`));
    expect(r.body).toMatch(new RegExp(`<soap:Body><tns:RechercheCreneauxLibresReponse xmlns:tns="${IF}"><listeCreneau>(<occCreneau><dateDebut>[^<]+</dateDebut><dateFin>[^<]+</dateFin><idOI>[^<]+</idOI></occCreneau>)+</listeCreneau></tns:RechercheCreneauxLibresReponse></soap:Body>`));
    // 08:00, 08:30 (Alice only: Bruno starts at 09:00... his 09:00 window ends 11:00 > 10:30).
    expect(r.body.match(/<occCreneau>/g)).toHaveLength(2);
  });

  it('faults carry InfoErreurType (codeErreur, messageErreur); sirenOC must be the caller', async () => {
    const r = await soapPost(url(), ftth, ifEnvelope('ConsultationRdvRequete', '<idRendezVous>X</idRendezVous>', OP2), '');
    expect(r.status).toBe(500);
    expect(r.body).toMatch(new RegExp(`<detail><tns:InfoErreurType xmlns:tns="${IF}"><codeErreur>101</codeErreur><messageErreur>\\[SIREN_OC_INCORRECT\\] [^<]+</messageErreur></tns:InfoErreurType></detail>`));
    const noHeader = await soapPost(url(), ftth, envelope(`<tns:ConsultationRdvRequete xmlns:tns="${IF}"><idRendezVous>X</idRendezVous></tns:ConsultationRdvRequete>`), '');
    expect(noHeader.body).toMatch(/<codeErreur>100<\/codeErreur>/);
    const badOi = await soapPost(url(), ftth, envelope(`<tns:ConsultationRdvRequete xmlns:tns="${IF}"><idRendezVous>X</idRendezVous></tns:ConsultationRdvRequete>`, entete(OP, '999999999')), '');
    expect(badOi.body).toMatch(/<codeErreur>102<\/codeErreur>/);
    const qualifiedChildren = await soapPost(url(), ftth, envelope(`<tns:ConsultationRdvRequete xmlns:tns="${IF}"><tns:idRendezVous>X</tns:idRendezVous></tns:ConsultationRdvRequete>`, entete()), '');
    expect(qualifiedChildren.body).toMatch(/<codeErreur>110<\/codeErreur><messageErreur>\[SCHEMA_INVALIDE\]/);
  });

  it('needs an ftth certificate', async () => {
    const esav = t.issue(OP, 'esav');
    const r = await soapPost(url(), esav, ifEnvelope('ConsultationRdvRequete', '<idRendezVous>X</idRendezVous>'), '');
    expect(r.body).toMatch(/\[PERIMETRE_CERTIFICAT\]/);
  });
});

describe('holds, blackout, purge, reports, context (pinned clock)', () => {
  it('a slot is held 10 minutes: reserving after that asks for a new search', async () => {
    now = parisTime('2026-12-01', 10, 0);
    const slots = await search();
    now = new Date(parisTime('2026-12-01', 10, 0).getTime() + 10 * 60_000 - 1000);
    const ok = await reserve(slots[0]!.idOI);
    expect(ok.fault).toBeUndefined();
    const again = await reserve(slots[1]!.idOI);
    expect(again.fault?.code).toBe(301); // the hold was used
    now = parisTime('2026-12-01', 10, 0);
    const fresh = await search();
    now = new Date(parisTime('2026-12-01', 10, 0).getTime() + 10 * 60_000 + 1000);
    const late = await reserve(fresh[5]!.idOI);
    expect(late.fault).toMatchObject({ code: 301 });
    expect(late.fault!.message).toMatch(/refaites une recherche/);
    const other = await reserve(fresh[6]!.idOI, ftth2);
    expect(other.fault?.code).toBe(300); // another operator's hold is not yours
    now = parisTime('2026-12-01', 10, 0);
    // A start the search did not offer, under a real search id: unknown, not reservable.
    const third = await search();
    const [searchId, start36] = third[0]!.idOI.split('.');
    const offered = new Set(third.map((s) => s.idOI));
    const notOffered = [15, 30 * 24 * 60].map((m) => `${searchId}.${(parseInt(start36!, 36) - m).toString(36)}`).filter((id) => !offered.has(id));
    expect(notOffered).toHaveLength(2);
    for (const id of notOffered) expect((await reserve(id)).fault?.code).toBe(300);
  });

  it('slot search is closed from 01:00 to 04:00 Paris time, with the reopening time', async () => {
    now = parisTime('2026-12-01', 2, 30);
    const r = await rdv('RechercheCreneauxLibresRequete', searchXml());
    expect(r.fault?.code).toBe(200);
    expect(r.fault?.message).toContain(parisTime('2026-12-01', 4, 0).toISOString());
    now = parisTime('2026-12-01', 0, 59);
    expect((await rdv('RechercheCreneauxLibresRequete', searchXml())).fault).toBeUndefined();
    now = parisTime('2026-12-01', 4, 0);
    expect((await rdv('RechercheCreneauxLibresRequete', searchXml())).fault).toBeUndefined();
    now = parisTime('2026-12-01', 10, 0);
  });

  it('an appointment still CREE is cancelled in the night following its reservation; a confirmed one is not', async () => {
    now = parisTime('2026-12-01', 15, 0);
    const lonely = await book();
    const confirmed = await book();
    await deposit('FTTH-R1', `<s:idRendezVous>${confirmed}</s:idRendezVous>`);
    now = parisTime('2026-12-01', 23, 59);
    expect((await t.gw.services.appointments.purge()).cancelled).not.toContain(lonely);
    expect((await consult(lonely)).body.ConsultationRdvReponse.statutRendezVous).toBe('CREE');
    now = parisTime('2026-12-02', 0, 5);
    const purged = await t.gw.services.appointments.purge();
    expect(purged.cancelled).toContain(lonely);
    expect(purged.cancelled).not.toContain(confirmed);
    expect((await consult(lonely)).fault?.code).toBe(401);
    expect((await consult(confirmed)).body.ConsultationRdvReponse.statutRendezVous).toBe('CONFIRME');
    // Its technician's time is free again: the purge is idempotent.
    expect((await t.gw.services.appointments.purge()).cancelled).toEqual([]);
    const sched = await db.query("SELECT cron, options->>'tz' AS tz FROM pgboss.schedule WHERE name = 'appointments-night-purge'");
    expect(sched.rows).toEqual([{ cron: '5 0 * * *', tz: 'Europe/Paris' }]);
    now = parisTime('2026-12-01', 10, 0);
  });

  it('reportRDV moves a reserved or confirmed appointment to a held slot, by the natureReport that fits', async () => {
    now = parisTime('2026-12-01', 10, 0);
    const id = await book();
    const target = (await search())[10]!;
    expect((await report(id, 'REPORT_RDV_CONFIRME', target.idOI)).fault?.code).toBe(402);
    const moved = await report(id, 'REPORT_RDV_RESERVE', target.idOI);
    expect(moved.fault).toBeUndefined();
    expect(moved.body.ReportRDVReponse).toBe('');
    const seen = (await consult(id)).body.ConsultationRdvReponse;
    expect(new Date(seen.dateDebut).getTime()).toBe(new Date(target.dateDebut).getTime());
    await deposit('FTTH-R1', `<s:idRendezVous>${id}</s:idRendezVous>`);
    const later = (await search())[20]!;
    expect((await report(id, 'NOUVEAU_RDV', later.idOI)).fault?.code).toBe(402);
    expect((await report(id, 'REPORT_RDV_CONFIRME', later.idOI)).fault).toBeUndefined();
    const c = (await consult(id)).body.ConsultationRdvReponse;
    expect(c.statutRendezVous).toBe('CONFIRME');
    expect(new Date(c.dateDebut).getTime()).toBe(new Date(later.dateDebut).getTime());
    // Once the visit has taken place, another one is NOUVEAU_RDV.
    now = new Date(new Date(later.dateFin).getTime() + 3600_000);
    const next = (await search(ftth, ZONE, now, new Date(now.getTime() + 7 * 86400_000)))[0]!;
    expect((await report(id, 'REPORT_RDV_CONFIRME', next.idOI)).fault?.code).toBe(402);
    const next2 = (await search(ftth, ZONE, now, new Date(now.getTime() + 7 * 86400_000)))[0]!;
    expect((await report(id, 'NOUVEAU_RDV', next2.idOI)).fault).toBeUndefined();
    const events = (await db.query('SELECT action FROM appointment_events WHERE appointment_id = $1 ORDER BY id', [id])).rows.map((r) => r.action);
    expect(events).toEqual(['RESERVATION', 'REPORT_RDV_RESERVE', 'CONFIRMATION', 'REPORT_RDV_CONFIRME', 'NOUVEAU_RDV']);
    now = parisTime('2026-12-01', 10, 0);
  });

  it('PAS_DE_PLAGES_DISPONIBLES only after a search that found nothing for that zone', async () => {
    now = parisTime('2026-12-01', 11, 0);
    const ctx = '<s:contexte>PAS_DE_PLAGES_DISPONIBLES</s:contexte>';
    expect((await deposit('FTTH-R2', ctx)).Fault?.detail?.erreur?.code).toBe('CONTEXTE_REFUSE'); // no search yet
    expect(await search(ftth, EMPTY_ZONE)).toEqual([]);
    expect((await deposit('FTTH-R2', ctx)).deposerSignalisationReponse?.etat).toBe('EN_DEPOT');
    expect((await search(ftth, ZONE)).length).toBeGreaterThan(0);
    const refused = await deposit('FTTH-R1', ctx);
    expect(refused.Fault.detail.erreur.code).toBe('CONTEXTE_REFUSE');
    expect(refused.Fault.detail.erreur.message).toMatch(/réservez-en un/);
  });

  it('refuses an appointment of another operator, a cancelled one, and one on a non-FTTH prestation', async () => {
    now = parisTime('2026-12-01', 10, 0);
    const theirs = (await rdv('ReservationCreneauRequete', `<natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche><codeInsee>${ZONE}</codeInsee><idCreneau>${(await search(ftth2))[0]!.idOI}</idCreneau>`, ftth2)).body.ReservationCreneauReponse.idRendezvous;
    expect((await deposit('FTTH-R1', `<s:idRendezVous>${theirs}</s:idRendezVous>`)).Fault.detail.erreur.code).toBe('RDV_INCONNU');
    expect((await consult(theirs)).fault?.code).toBe(400);
  });
});
