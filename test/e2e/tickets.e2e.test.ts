import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, envelope, parseSoap, soapPost, V1, V2 } from '../support/http.js';
import { TRANSITIONS, type TicketState } from '../../src/domain/tickets/states.js';
import { TicketService } from '../../src/domain/tickets/service.js';
import { newReference } from '../../src/domain/tickets/reference.js';

const OP = '443061841';
const OTHER = '351010245';
const SEARCHER = '732829320';
let t: TestGateway;
let esavCreds: ClientCreds;
let ftthCreds: ClientCreds;
let otherCreds: ClientCreds;
let db: pg.Pool;

async function call(op: string, inner: string, c = esavCreds, ns = V1) {
  const r = await soapPost(`${t.base}/ws/signalisation/${ns === V1 ? 'v1' : 'v2'}`, c, envelope(`<s:${op} xmlns:s="${ns}">${inner}</s:${op}>`), `${ns}#${op}`);
  return parseSoap(r.body);
}

async function deposit(prestation = 'ETH-T1', c = esavCreds, extra = ''): Promise<string> {
  const r = await soapPost(`${t.base}/ws/signalisation/v1`, c, depositXml(V1, prestation, { extra }), `${V1}#deposerSignalisation`);
  const p = parseSoap(r.body);
  if (!p.payload) throw new Error(`deposit failed: ${JSON.stringify(p.fault)}`);
  return p.payload.deposerSignalisationReponse.referenceSignalisation;
}

async function admin(path: string, body: object) {
  const r = await fetch(`http://127.0.0.1:${t.gw.adminPort}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, any> };
}

async function stateOf(ref: string, c = esavCreds) {
  const p = await call('consulterEtatSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`, c);
  return p.payload?.consulterEtatSignalisationReponse ?? p.fault;
}

/** Shortest legal path from EN_DEPOT to `target` (breadth-first over the transition table). */
function pathTo(target: TicketState): TicketState[] {
  const prev = new Map<TicketState, TicketState | null>([['EN_DEPOT', null]]);
  const queue: TicketState[] = ['EN_DEPOT'];
  while (queue.length) {
    const s = queue.shift()!;
    for (const n of TRANSITIONS[s]) if (!prev.has(n)) (prev.set(n, s), queue.push(n));
  }
  const path: TicketState[] = [];
  for (let s: TicketState | null | undefined = target; s && s !== 'EN_DEPOT'; s = prev.get(s)) path.unshift(s);
  return path;
}

async function walk(ref: string, states: TicketState[]) {
  for (const to of states) {
    const r = await admin(`/tickets/${ref}/advance`, { to, agent: 'test' });
    expect(r.status).toBe(200);
  }
}

beforeAll(async () => {
  t = await startTestGateway();
  esavCreds = t.issue(OP, 'esav', 'Opérateur Tickets');
  ftthCreds = t.issue(OP, 'ftth');
  otherCreds = t.issue(OTHER, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-T1', '--offer', 'ETH_ENTREPRISE', '--end-a', 'Paris 15e', '--end-z', 'Lyon 3e');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-T2', '--offer', 'ETH_ENTREPRISE');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'FTTH-T1', '--offer', 'FTTH_ACCES', '--ref-pto', 'FI-1234-5678');
  db = new pg.Pool({ connectionString: t.db.url });
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('the ticket state machine', () => {
  it('walks every legal transition, each visible in consulterEtatSignalisation and recorded', async () => {
    const edges = (Object.entries(TRANSITIONS) as [TicketState, TicketState[]][]).flatMap(([from, tos]) => tos.map((to) => [from, to] as const));
    expect(edges.length).toBe(15);
    for (const [from, to] of edges) {
      const ref = await deposit();
      await walk(ref, pathTo(from));
      const r = await admin(`/tickets/${ref}/advance`, { to, agent: 'dupont', comment: `${from}->${to}` });
      expect(r.json).toMatchObject({ from, to });
      expect((await stateOf(ref)).etat).toBe(to);
      const ev = (await db.query('SELECT e.from_state, e.to_state, e.actor, e.comment FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.reference = $1 ORDER BY e.id DESC LIMIT 1', [ref])).rows[0];
      expect(ev).toEqual({ from_state: from, to_state: to, actor: 'sav:dupont', comment: `${from}->${to}` });
    }
  });

  it('refuses every illegal transition with the list of allowed ones, and changes nothing', async () => {
    const all = Object.keys(TRANSITIONS) as TicketState[];
    for (const from of all) {
      const ref = await deposit();
      await walk(ref, pathTo(from));
      for (const to of all.filter((s) => !TRANSITIONS[from].includes(s))) {
        const r = await admin(`/tickets/${ref}/advance`, { to });
        expect(r.status).toBe(409);
        expect(r.json.code).toBe('TRANSITION_INTERDITE');
        for (const allowed of TRANSITIONS[from]) expect(r.json.message).toContain(allowed);
      }
      expect((await stateOf(ref)).etat).toBe(from);
    }
  });

  it('the esav command moves tickets and adds SAV comments, refusing illegal moves on stderr', async () => {
    const ref = await deposit();
    expect((await stateOf(ref)).etat).toBe('EN_DEPOT'); // now cached by the gateway
    expect(esavOk(t.env, 'ticket', 'advance', ref, '--to', 'EN_QUALIFICATION', '--comment', 'recevable')).toMatch(/EN_DEPOT -> EN_QUALIFICATION/);
    // Another process moved it: the gateway's cached state was dropped by the notification.
    expect((await stateOf(ref)).etat).toBe('EN_QUALIFICATION');
    const bad = esav(t.env, 'ticket', 'advance', ref, '--to', 'VALIDE');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/TRANSITION_INTERDITE.*EN_COURS, GELE, CLOS/);
    esavOk(t.env, 'ticket', 'comment', ref, 'Technicien', 'dépêché', 'sur', 'site', '--agent', 'martin');
    const d = (await call('consulterDetailSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`)).payload!.consulterDetailSignalisationReponse;
    expect(d.commentaireSav).toMatchObject({ auteur: 'sav:martin', texte: 'Technicien dépêché sur site' });
  });
});

describe('consulting tickets', () => {
  it('detail of a non-FTTH ticket: prestation with ends, fault, GTR deadline, SAV comments in order, history', async () => {
    const ref = await deposit('ETH-T1');
    await walk(ref, ['EN_QUALIFICATION', 'EN_COURS']);
    await admin(`/tickets/${ref}/comments`, { text: 'premier', agent: 'a' });
    await admin(`/tickets/${ref}/comments`, { text: 'second', agent: 'b' });
    const d = (await call('consulterDetailSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`)).payload!.consulterDetailSignalisationReponse;
    expect(d.referenceSignalisation).toBe(ref);
    expect(d.etat).toBe('EN_COURS');
    expect(d.prestation).toEqual({ identifiantPrestation: 'ETH-T1', offre: 'ETH_ENTREPRISE', extremiteA: 'Paris 15e', extremiteZ: 'Lyon 3e' });
    expect(d.defautDeclare).toEqual({ code: 'COUPURE', libelle: 'Coupure totale du service' });
    expect(d.garantieService.niveau).toBe('GTR4H');
    expect(new Date(d.garantieService.echeance).getTime() - new Date(d.datePriseEnCompte).getTime()).toBe(4 * 3600_000);
    expect(d.commentaireSav.map((c: { texte: string }) => c.texte)).toEqual(['premier', 'second']);
    expect(d.historiqueEtat.map((h: { etat: string }) => h.etat)).toEqual(['EN_DEPOT', 'EN_QUALIFICATION', 'EN_COURS']);
    expect(d.ftth).toBeUndefined();
  });

  it('detail of an FTTH ticket: last interaction, start, Ref PTO, SIREN, Interop\'Fibre state, resolution, closing date', async () => {
    const ref = await deposit('FTTH-T1', ftthCreds);
    await walk(ref, ['EN_QUALIFICATION', 'GELE']);
    const frozen = await stateOf(ref, ftthCreds);
    expect(frozen.interopFibre).toEqual({ etat: 'En cours', etatOrigine: 'Deferred' });
    await admin(`/tickets/${ref}/advance`, { to: 'CLOS', resolution: 'RESOLU_PTO_REMPLACEE' });
    const d = (await call('consulterDetailSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`, ftthCreds)).payload!.consulterDetailSignalisationReponse;
    expect(d.ftth).toMatchObject({ refPto: 'FI-1234-5678', siren: '552100554', etat: 'Clos', etatResolution: 'RESOLU_PTO_REMPLACEE' });
    expect(d.ftth.dateDebut).toBe(d.datePriseEnCompte);
    expect(new Date(d.ftth.dateCloture).getTime()).toBeGreaterThanOrEqual(new Date(d.ftth.dateDebut).getTime());
    expect(d.ftth.dateDerniereInteraction).toBe(d.ftth.dateCloture);
    const rejected = await deposit('FTTH-T1', ftthCreds);
    await walk(rejected, ['EN_REJET']);
    expect((await stateOf(rejected, ftthCreds)).interopFibre).toEqual({ etat: 'Annulé' });
  });

  it("another operator's reference answers like one that does not exist; a mistyped reference fails its check", async () => {
    const ref = await deposit();
    const theirs = await stateOf(ref, otherCreds);
    expect(theirs.code).toBe('SIGNALISATION_INCONNUE');
    const missing = newReference();
    const none = await stateOf(missing, otherCreds);
    expect(none.code).toBe('SIGNALISATION_INCONNUE');
    expect(theirs.message.replace(ref, 'X')).toBe(none.message.replace(missing, 'X'));
    const typo = ref.slice(0, -1) + (ref.endsWith('A') ? 'B' : 'A');
    expect((await stateOf(typo)).code).toBe('REFERENCE_INVALIDE');
    expect((await stateOf(ref.toLowerCase().replace(/-/g, ''))).referenceSignalisation).toBe(ref);
  });
});

describe('completerSignalisation', () => {
  it('adds the operator\'s answer to a frozen ticket; refused once closed', async () => {
    const ref = await deposit();
    await walk(ref, ['EN_QUALIFICATION', 'GELE']);
    const ok = await call('completerSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation><s:complement>Site ouvert demain 9h, code 1234</s:complement>`);
    expect(ok.payload!.completerSignalisationReponse).toMatchObject({ referenceSignalisation: ref, etat: 'GELE' });
    const d = (await call('consulterDetailSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`)).payload!.consulterDetailSignalisationReponse;
    expect(d.complementOperateur).toMatchObject({ auteur: `operateur:${OP}`, texte: 'Site ouvert demain 9h, code 1234' });
    await walk(ref, ['CLOS']);
    const refused = await call('completerSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation><s:complement>trop tard</s:complement>`);
    expect(refused.fault?.code).toBe('SIGNALISATION_CLOSE');
    expect((await db.query("SELECT count(*)::int AS n FROM ticket_comments WHERE body = 'trop tard'")).rows[0].n).toBe(0);
  });
});

describe('history: 90 calendar days after closing, not after', () => {
  it('with a pinned clock: day 90 is in, a millisecond later is out', async () => {
    const T0 = new Date('2026-03-02T10:00:00Z');
    let now = T0;
    const svc = new TicketService(db, { clock: () => now });
    const ref = await deposit('ETH-T2');
    await svc.advance({ reference: ref, to: 'EN_QUALIFICATION', actor: 'sav:test' });
    await svc.advance({ reference: ref, to: 'CLOS', actor: 'sav:test' });
    const caller = { siren: OP, scope: 'esav' as const };
    now = new Date(T0.getTime() + 90 * 86400_000);
    expect((await svc.history(caller, { reference: ref })).map((r) => r.reference)).toEqual([ref]);
    expect((await svc.history(caller, { prestationId: 'ETH-T2' })).map((r) => r.reference)).toContain(ref);
    now = new Date(T0.getTime() + 90 * 86400_000 + 1);
    await expect(svc.history(caller, { reference: ref })).rejects.toMatchObject({ code: 'HISTORIQUE_EXPIRE' });
    expect((await svc.history(caller, { prestationId: 'ETH-T2' })).map((r) => r.reference)).not.toContain(ref);
  });

  it('over SOAP: by prestation and closing period, and a ticket closed 91 days ago is past the 90 days', async () => {
    const recent = await deposit('ETH-T2');
    const old = await deposit('ETH-T2');
    const open = await deposit('ETH-T2');
    for (const r of [recent, old]) await walk(r, ['EN_QUALIFICATION', 'CLOS']);
    await db.query("UPDATE tickets SET closed_at = now() - interval '89 days' WHERE reference = $1", [recent]);
    await db.query("UPDATE tickets SET closed_at = now() - interval '91 days' WHERE reference = $1", [old]);
    const list = (await call('consulterHistoriqueSignalisations', '<s:identifiantPrestation>ETH-T2</s:identifiantPrestation>')).payload!.consulterHistoriqueSignalisationsReponse;
    const refs = [list.signalisation].flat().map((s: { referenceSignalisation: string }) => s.referenceSignalisation);
    expect(refs).toContain(recent);
    expect(refs).not.toContain(old);
    expect(refs).not.toContain(open);
    const expired = await call('consulterHistoriqueSignalisations', `<s:referenceSignalisation>${old}</s:referenceSignalisation>`);
    expect(expired.fault?.code).toBe('HISTORIQUE_EXPIRE');
    expect((await call('consulterHistoriqueSignalisations', `<s:referenceSignalisation>${open}</s:referenceSignalisation>`)).fault?.code).toBe('SIGNALISATION_NON_CLOSE');
    const debut = new Date(Date.now() - 95 * 86400_000).toISOString();
    const byPeriod = (await call('consulterHistoriqueSignalisations', `<s:periodeCloture><s:debut>${debut}</s:debut></s:periodeCloture>`)).payload!.consulterHistoriqueSignalisationsReponse;
    const periodRefs = [byPeriod.signalisation].flat().map((s: { referenceSignalisation: string }) => s.referenceSignalisation);
    expect(periodRefs).toContain(recent);
    expect(periodRefs).not.toContain(old);
  });
});

describe('rechercherSignalisations', () => {
  it('filters, pages with a total and a stable order, and sees only the caller\'s tickets', async () => {
    // An operator of its own, whose only tickets are these (tickets are never deleted).
    const searcher = t.issue(SEARCHER, 'esav', 'Opérateur Recherche');
    esavOk(t.env, 'prestation', 'add', '--operator', SEARCHER, '--id', 'ETH-R1', '--offer', 'ETH_ENTREPRISE');
    esavOk(t.env, 'prestation', 'add', '--operator', SEARCHER, '--id', 'ETH-R2', '--offer', 'ETH_ENTREPRISE');
    const refs: string[] = [];
    for (let i = 0; i < 7; i++) refs.push(await deposit('ETH-R2', searcher));
    await walk(refs[0]!, ['EN_QUALIFICATION']);
    await deposit('ETH-R1', searcher);
    const page = async (p: number, size: number, filter = '<s:identifiantPrestation>ETH-R2</s:identifiantPrestation>') =>
      (await call('rechercherSignalisations', `${filter}<s:page>${p}</s:page><s:taillePage>${size}</s:taillePage>`, searcher)).payload!.rechercherSignalisationsReponse;
    const p1 = await page(1, 3);
    const p2 = await page(2, 3);
    const p3 = await page(3, 3);
    const p4 = await page(4, 3);
    expect([p1.nombreTotal, p2.nombreTotal, p3.nombreTotal, p4.nombreTotal]).toEqual(['7', '7', '7', '7']);
    const seen = [p1, p2, p3].flatMap((p) => [p.signalisation].flat().map((s: { referenceSignalisation: string }) => s.referenceSignalisation));
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(refs));
    expect(p4.signalisation).toBeUndefined();
    const order = (await db.query("SELECT reference FROM tickets WHERE prestation_id = 'ETH-R2' ORDER BY deposited_at DESC, reference")).rows.map((r) => r.reference);
    expect(seen).toEqual(order);
    const again = [await page(1, 3), await page(2, 3), await page(3, 3)].flatMap((p) => [p.signalisation].flat().map((s: { referenceSignalisation: string }) => s.referenceSignalisation));
    expect(again).toEqual(seen);
    const q = await page(1, 10, '<s:etat>EN_QUALIFICATION</s:etat>');
    expect(q.nombreTotal).toBe('1');
    expect(q.signalisation.referenceSignalisation).toBe(refs[0]);
    const byOffer = await page(1, 100, '<s:offre>ETH_ENTREPRISE</s:offre>');
    expect(byOffer.nombreTotal).toBe('8');
    const theirs = (await call('rechercherSignalisations', '<s:offre>ETH_ENTREPRISE</s:offre>', otherCreds)).payload!.rechercherSignalisationsReponse;
    expect(theirs.nombreTotal).toBe('0');
    const bad = await call('rechercherSignalisations', '<s:taillePage>500</s:taillePage>');
    expect(bad.fault?.code).toBe('SCHEMA_INVALIDE');
  });
});

describe('v2 serves the same operations', () => {
  it('state query on v2', async () => {
    const ref = await deposit();
    const p = await call('consulterEtatSignalisation', `<s:referenceSignalisation>${ref}</s:referenceSignalisation>`, esavCreds, V2);
    expect(p.payload!.consulterEtatSignalisationReponse.etat).toBe('EN_DEPOT');
  });
});
