import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import https from 'node:https';
import pg from 'pg';
import soap from 'soap';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavAsync, esavOk } from '../support/cli.js';
import { envelope, parseSoap, soapPost } from '../support/http.js';
import { startTestSmtp, type TestSmtp } from '../support/smtp.js';
import { parisTime } from '../../src/calendar/index.js';
import { newSoutienReference } from '../../src/domain/soutien/reference.js';

// e-soutien end to end: the soap client built from the served WSDL over mTLS, a real SMTP server
// receiving the gateway's mail, the desk acting through the admin API and the esav command.
const NS = 'urn:fr:esav:soutien:v1';
const OP = '552100554';
const OTHER = '732829320';
const DESK = 'soutien@fournisseur.test';
// The gateway's clock starts on a Saturday at 18:05 Paris (the desk has just closed) and runs.
const START = parisTime('2026-05-16', 18, 5).getTime();
const t0 = Date.now();
const clock = () => new Date(START + (Date.now() - t0));
const MONDAY_0800 = parisTime('2026-05-18', 8, 0);

let t: TestGateway;
let smtp: TestSmtp;
let mine: ClientCreds;
let other: ClientCreds;
let client: soap.Client;
let ref = '';
let db: pg.Pool;

async function raw(op: string, inner: string, creds = mine) {
  const r = await soapPost(`${t.base}/ws/soutien/v1`, creds, envelope(`<s:${op} xmlns:s="${NS}">${inner}</s:${op}>`), `${NS}#${op}`);
  return parseSoap(r.body);
}

async function admin(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`http://127.0.0.1:${t.gw.adminPort}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

beforeAll(async () => {
  smtp = await startTestSmtp();
  t = await startTestGateway({ ESAV_SMTP_URL: smtp.url, ESAV_SUPPORT_EMAIL: DESK, ESAV_MAIL_FROM: 'e-SAV <esav@fournisseur.test>', ESAV_MAIL_RETRY_BASE_MS: '50', ESAV_MAIL_POLL_MS: '100' }, { clock });
  mine = t.issue(OP, 'esav', 'Opérateur Soutien');
  other = t.issue(OTHER, 'ftth', 'Autre Opérateur');
  const httpsAgent = new https.Agent({ key: mine.key, cert: mine.cert, ca: mine.ca });
  client = await soap.createClientAsync(`${t.base}/ws/soutien/v1?wsdl`, { wsdl_options: { httpsAgent }, disableCache: true });
  client.setSecurity(new soap.ClientSSLSecurity(mine.key, mine.cert, mine.ca));
  db = new pg.Pool({ connectionString: t.db.url, max: 2 });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
  await smtp?.close();
});

describe('e-soutien: open, acknowledgement, complement, desk message, closing, resolution report', () => {
  it('ouvrirTicketSoutien answers the reference and when the desk looks at it; the acknowledgement e-mail says the same (sent after a temporary SMTP refusal)', async () => {
    smtp.refuseNext(1, 451);
    const [r] = await client.ouvrirTicketSoutienAsync({
      objet: 'Erreurs ERREUR_INTERNE sur deposerSignalisation',
      description: 'Depuis 17h40, une signalisation sur deux reçoit ERREUR_INTERNE.',
      categorie: 'DYSFONCTIONNEMENT',
      service: 'signalisation',
      version: 'v1',
      idRequete: '4f1c2a9e-0b7d-4c55-9a63-2f0f7f1e9d21',
      emailContact: 'noc@op-soutien.test',
    });
    ref = r.referenceTicket;
    expect(ref).toMatch(/^ES26-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]$/);
    expect(r.etat).toBe('OUVERT');
    expect(iso(r.priseEnChargeAPartirDe)).toBe(MONDAY_0800.toISOString());
    expect(r.message).toContain('la vôtre sera examinée à partir du lundi 18 mai 2026 à 08:00 (heure de Paris)');

    const ack = await smtp.waitFor((m) => m.mail.subject === `[e-soutien] Accusé de réception ${ref} : Erreurs ERREUR_INTERNE sur deposerSignalisation`, 'acknowledgement');
    expect(ack.envelopeTo).toEqual(['noc@op-soutien.test']);
    expect(ack.mail.replyTo?.text).toBe(DESK);
    expect(ack.mail.text).toContain(`sous la référence ${ref}`);
    expect(ack.mail.text).toContain('la vôtre sera examinée à partir du lundi 18 mai 2026 à 08:00 (heure de Paris)');
    expect(ack.mail.text).toContain('Service concerné : signalisation v1');
    expect(ack.mail.text).toContain('Identifiant de requête : 4f1c2a9e-0b7d-4c55-9a63-2f0f7f1e9d21');
    expect(smtp.refused).toBe(1);
    // The SMTP server has it; the gateway records it as sent just after.
    for (let i = 0; i < 200 && (await db.query(`SELECT status FROM outbox WHERE kind = 'soutien-accuse'`)).rows[0].status !== 'sent'; i++) await new Promise((r) => setTimeout(r, 25));
    const out = esavOk(t.env, 'outbox', 'list', '--kind', 'soutien-accuse');
    expect(out).toMatch(new RegExp(`^\\d+ sent soutien-accuse attempts=2 .*to=noc@op-soutien.test "\\[e-soutien\\] Accusé de réception ${ref}`, 'm'));
    // The desk gets its copy.
    const copy = await smtp.waitFor((m) => m.envelopeTo.includes(DESK) && m.mail.subject!.startsWith(`[e-soutien] Nouveau ticket ${ref}`), 'desk copy');
    expect(copy.mail.text).toContain('à examiner à partir du lundi 18 mai 2026 à 08:00');
  });

  it('retour sur ticket ouvert: completerTicketSoutien (reference typed loosely) is recorded and forwarded to the desk', async () => {
    const [r] = await client.completerTicketSoutienAsync({ referenceTicket: ref.toLowerCase().replace(/-/g, ''), complement: 'Le problème touche aussi la v2.' });
    expect(r).toMatchObject({ referenceTicket: ref, etat: 'OUVERT' });
    expect(iso(r.priseEnChargeAPartirDe)).toBe(MONDAY_0800.toISOString());
    const fwd = await smtp.waitFor((m) => m.mail.subject!.startsWith(`[e-soutien] Complément sur ${ref}`), 'complement to the desk');
    expect(fwd.envelopeTo).toEqual([DESK]);
    expect(fwd.mail.text).toContain('Le problème touche aussi la v2.');
  });

  it('an operator only sees its own tickets', async () => {
    const p = await raw('consulterTicketSoutien', `<s:referenceTicket>${ref}</s:referenceTicket>`, other);
    expect(p.fault).toMatchObject({ faultcode: 'soap:Client', code: 'TICKET_SOUTIEN_INCONNU' });
    const c = await raw('completerTicketSoutien', `<s:referenceTicket>${ref}</s:referenceTicket><s:complement>intrus</s:complement>`, other);
    expect(c.fault?.code).toBe('TICKET_SOUTIEN_INCONNU');
    expect((await raw('listerTicketsSoutien', '', other)).payload!.listerTicketsSoutienReponse).toBe('');
    const [mineList] = await client.listerTicketsSoutienAsync({});
    expect(mineList.ticket).toMatchObject([{ referenceTicket: ref, etat: 'OUVERT', categorie: 'DYSFONCTIONNEMENT' }]);
  });

  it('the desk asks for information (admin API): the question is e-mailed to the ticket\'s contact', async () => {
    const r = await admin(`/soutien/${ref}/comments`, { text: "Pouvez-vous nous donner l'heure exacte d'une erreur ?", agent: 'dupont' });
    expect(r.status).toBe(201);
    const q = await smtp.waitFor((m) => m.mail.subject === `[e-soutien] ${ref} : message du soutien`, 'desk message');
    expect(q.envelopeTo).toEqual(['noc@op-soutien.test']);
    expect(q.mail.text).toContain("Pouvez-vous nous donner l'heure exacte d'une erreur ?");
  });

  it('the desk closes it (admin API): the resolution report arrives; consulterTicketSoutien shows the whole exchange', async () => {
    const r = await admin(`/soutien/${ref}/close`, { resolution: 'Correctif déployé le 16 mai à 19:10 : le pool de connexions était saturé.', agent: 'dupont' });
    expect(r).toMatchObject({ status: 200, json: { reference: ref, state: 'CLOS' } });
    const report = await smtp.waitFor((m) => m.mail.subject === `[e-soutien] Compte-rendu de résolution ${ref} : Erreurs ERREUR_INTERNE sur deposerSignalisation`, 'resolution report');
    expect(report.envelopeTo).toEqual(['noc@op-soutien.test']);
    expect(report.mail.text).toContain('Compte-rendu de résolution :\nCorrectif déployé le 16 mai à 19:10 : le pool de connexions était saturé.');
    expect(report.mail.text).toContain(`Votre demande e-soutien ${ref}`);

    const [d] = await client.consulterTicketSoutienAsync({ referenceTicket: ref });
    expect(d).toMatchObject({
      referenceTicket: ref, etat: 'CLOS', categorie: 'DYSFONCTIONNEMENT', service: 'signalisation', version: 'v1', emailContact: 'noc@op-soutien.test',
      compteRenduResolution: 'Correctif déployé le 16 mai à 19:10 : le pool de connexions était saturé.',
    });
    expect(d.echange.map((e: { auteur: string; texte: string }) => [e.auteur, e.texte])).toEqual([
      ['OPERATEUR', 'Le problème touche aussi la v2.'],
      ['SOUTIEN', "Pouvez-vous nous donner l'heure exacte d'une erreur ?"],
    ]);
    expect(d.dateCloture).toBeDefined();
    // closing twice is refused, and so is a comment on a closed ticket
    expect(await admin(`/soutien/${ref}/close`, { resolution: 'encore' })).toMatchObject({ status: 409, json: { code: 'TICKET_SOUTIEN_CLOS' } });
    expect(await admin(`/soutien/${ref}/comments`, { text: 'encore' })).toMatchObject({ status: 409, json: { code: 'TICKET_SOUTIEN_CLOS' } });
    expect(await admin(`/soutien/${ref}/close`, {})).toMatchObject({ status: 400, json: { code: 'REQUETE_INVALIDE' } });
    // the desk reads it back
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${t.gw.adminPort}${path}`);
      return { status: r.status, json: (await r.json()) as any };
    };
    const detail = await get(`/soutien/${ref}`);
    expect(detail.json).toMatchObject({ reference: ref, siren: OP, state: 'CLOS', closedBy: 'soutien:dupont', handlingFrom: MONDAY_0800.toISOString() });
    expect(detail.json.messages.map((m: { author: string }) => m.author)).toEqual(['OPERATEUR', 'SOUTIEN']);
    expect((await get('/soutien?state=CLOS')).json.map((x: { reference: string }) => x.reference)).toContain(ref);
    expect((await get(`/soutien/${newSoutienReference()}`)).status).toBe(404);
    expect((await get('/soutien/ES26-PASBON-0')).json.code).toBe('REFERENCE_INVALIDE');
  });

  it('completing a closed ticket is refused with its own fault code', async () => {
    const p = await raw('completerTicketSoutien', `<s:referenceTicket>${ref}</s:referenceTicket><s:complement>Encore un souci</s:complement>`);
    expect(p.fault).toMatchObject({ faultcode: 'soap:Client', code: 'TICKET_SOUTIEN_CLOS' });
    expect(p.fault!.message).toMatch(/est clos depuis le .*déposez une nouvelle demande/);
    await expect(client.completerTicketSoutienAsync({ referenceTicket: ref, complement: 'via soap' })).rejects.toMatchObject({
      root: { Envelope: { Body: { Fault: { detail: { erreur: { code: 'TICKET_SOUTIEN_CLOS' } } } } } },
    });
  });

  it('bad input gets clear faults', async () => {
    expect((await raw('consulterTicketSoutien', '<s:referenceTicket>ES26-XXXXXX-1</s:referenceTicket>')).fault?.code).toBe('REFERENCE_INVALIDE');
    const unknownService = await raw('ouvrirTicketSoutien', '<s:objet>x</s:objet><s:description>y</s:description><s:categorie>AUTRE</s:categorie><s:service>facturation</s:service><s:emailContact>a@b.test</s:emailContact>');
    expect(unknownService.fault?.code).toBe('SERVICE_CONCERNE_INCONNU');
    expect(unknownService.fault?.message).toMatch(/signalisation.*soutien|soutien.*signalisation/);
    const blank = await raw('ouvrirTicketSoutien', '<s:objet>   </s:objet><s:description>y</s:description><s:categorie>AUTRE</s:categorie><s:emailContact>a@b.test</s:emailContact>');
    expect(blank.fault?.code).toBe('SCHEMA_INVALIDE');
    const badMail = await raw('ouvrirTicketSoutien', '<s:objet>x</s:objet><s:description>y</s:description><s:categorie>AUTRE</s:categorie><s:emailContact>pas une adresse</s:emailContact>');
    expect(badMail.fault?.code).toBe('SCHEMA_INVALIDE');
  });

  it('esav soutien list|show|comment|close for the desk', async () => {
    const [r] = await client.ouvrirTicketSoutienAsync({ objet: 'Question sur les catalogues', description: 'Quand sort 2027-03 ?', categorie: 'DEMANDE_SOUTIEN', emailContact: 'noc@op-soutien.test' });
    const second = r.referenceTicket as string;
    expect(esavOk(t.env, 'soutien', 'list', '--state', 'OUVERT')).toMatch(new RegExp(`^${second} OUVERT ${OP} DEMANDE_SOUTIEN .*"Question sur les catalogues"$`, 'm'));
    esavOk(t.env, 'soutien', 'comment', second, 'Au premier trimestre 2027.', '--agent', 'martin');
    expect(esavOk(t.env, 'soutien', 'close', second, '--resolution', 'Réponse donnée.')).toContain(`${second} closed at`);
    const show = esavOk(t.env, 'soutien', 'show', second);
    expect(show).toContain('SOUTIEN (soutien:martin): Au premier trimestre 2027.');
    expect(show).toMatch(/closed .* by soutien:cli: Réponse donnée\./);
    // The command enqueued on the real clock, ahead of this gateway's pinned one: flushed by hand.
    expect(await esavAsync(t.env, 'outbox', 'flush')).toMatchObject({ status: 0, stdout: 'sent 2, to retry 0, failed 0\n' });
    const msg = await smtp.waitFor((m) => m.mail.subject === `[e-soutien] ${second} : message du soutien`, 'second desk message');
    expect(msg.mail.text).toContain('Au premier trimestre 2027.');
    await smtp.waitFor((m) => m.mail.subject === `[e-soutien] Compte-rendu de résolution ${second} : Question sur les catalogues`, 'second report');
  });
});
