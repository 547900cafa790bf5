import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { credsDir, client, startIntegrationGateway, type IntegrationGateway } from '../support/integration.js';
import { formXml } from '../support/http.js';
import { waitFor } from '../support/load.js';
import { loadDataset, prestationId } from '../../src/integration/dataset.js';
import { statesOf } from '../../src/integration/scenarios.js';
import { loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/main.js';

const OP = '552100554';
const LATE = '732829320';
const dataset = loadDataset();
let t: IntegrationGateway;
let esav: string;
let ftth: string;
let late: string;
let ethForm: string;
let ftthForm: string;
let cuivreForm: string;

const id = (key: string, siren = OP) => prestationId(siren, key);

async function deposit(key: string, extra: string[] = [], creds = esav): Promise<string> {
  const form = key.startsWith('FTTH') ? ftthForm : key.startsWith('ETH') ? ethForm : cuivreForm;
  const r = await client(t.base, creds, '--get', 'referenceSignalisation', 'deposit', '--prestation', id(key), '--form', form, ...extra);
  if (r.code !== 0) throw new Error(`deposit on ${key} failed (${r.code}): ${r.err}`);
  return r.out.trim();
}

/** The ticket's state history, in order: states and actors. */
async function history(reference: string): Promise<Array<{ to_state: string; actor: string; comment: string | null }>> {
  return (await t.int.query('SELECT e.to_state, e.actor, e.comment FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.reference = $1 ORDER BY e.id', [reference])).rows;
}

beforeAll(async () => {
  t = await startIntegrationGateway();
  esav = credsDir(t, t.issue(OP, 'esav', 'Opérateur Exemple'), 'esav');
  ftth = credsDir(t, t.issue(OP, 'ftth'), 'ftth');
  late = credsDir(t, t.issue(LATE, 'esav', 'Opérateur Tardif'), 'late');
  ethForm = join(t.dir, 'eth-form.xml');
  writeFileSync(ethForm, formXml('ETH-x'));
  ftthForm = join(t.dir, 'ftth-form.xml');
  writeFileSync(ftthForm, formXml('FTTH-x'));
  cuivreForm = join(t.dir, 'cuivre-form.xml');
  writeFileSync(
    cuivreForm,
    '<formulaire catalogue="2026-11" code="CUIVRE_ACCES" xmlns:c="urn:fr:esav:catalogue:2026-11:cuivre-acces">' +
      '<c:formulaireCuivreAcces><c:numeroLigne>0145678901</c:numeroLigne><c:typeDefaut>COUPURE</c:typeDefaut><c:testEffectue>true</c:testEffectue></c:formulaireCuivreAcces></formulaire>',
  );
});

afterAll(async () => {
  await t?.close();
});

describe('the test data set (jeu de test e-SAV)', () => {
  it('is loaded at start: the test operators with their prestations, the technicians, the works on a PM', async () => {
    const ops = (await t.int.query('SELECT siren, name FROM operators WHERE siren = ANY ($1) ORDER BY siren', [dataset.operators.map((o) => o.siren)])).rows;
    expect(ops).toEqual(dataset.operators);
    const test = dataset.operators[0]!.siren;
    const rows = (await t.int.query('SELECT prestation_id, offer_code, info, code_insee FROM prestations WHERE operator_siren = $1 ORDER BY prestation_id', [test])).rows;
    expect(rows).toEqual(
      dataset.prestations
        .map((p) => ({ prestation_id: prestationId(test, p.key), offer_code: p.offer, info: p.behaviour, code_insee: p.codeInsee ?? null }))
        .sort((a, b) => a.prestation_id.localeCompare(b.prestation_id)),
    );
    const techs = (await t.int.query('SELECT name, zones FROM technicians ORDER BY name')).rows;
    expect(techs).toEqual(dataset.technicians.map((x) => ({ name: x.name, zones: x.zones })));
    const work = (await t.int.query('SELECT equipment, pm_ref, impacted_prestations FROM works WHERE reference = $1', ['TP-INT-PM-0001'])).rows[0];
    expect(work.equipment).toBe('PM');
    expect(work.impacted_prestations).toEqual(expect.arrayContaining([prestationId(test, 'FTTH-TRAVAUX'), id('FTTH-TRAVAUX')]));
  });

  it('an operator registered with `esav --integration operator add` gets every prestation of the data set', async () => {
    const n = (await t.int.query('SELECT count(*)::int AS n FROM prestations WHERE operator_siren = $1 AND prestation_id LIKE $2', [LATE, `INT-${LATE}-%`])).rows[0].n;
    expect(n).toBe(dataset.prestations.length);
  });
});

describe('the scenario engine', () => {
  it('VALIDE: the ticket goes through every state to VALIDE by the SAV\'s real transitions', async () => {
    const ref = await deposit('ETH-VALIDE');
    const r = await client(t.base, esav, 'state', '--reference', ref, '--wait', 'VALIDE', '--every', '0.1', '--timeout', '30');
    expect(r.code).toBe(0);
    expect(r.out).toContain('etat: VALIDE');
    const h = await history(ref);
    expect(h.map((e) => e.to_state)).toEqual(['EN_DEPOT', ...statesOf('VALIDE')]);
    expect(h.slice(1).every((e) => e.actor === 'sav:plate-forme-integration' && !!e.comment)).toBe(true);
    // The operator reads it all in the detail: history, SAV comment, closing.
    const d = await client(t.base, esav, '--json', 'detail', '--reference', ref);
    const detail = JSON.parse(d.out);
    expect(detail.commentaireSav).toEqual([expect.objectContaining({ auteur: 'sav:plate-forme-integration' })]);
    expect(detail.prestation.informationsComplementaires).toMatch(/^Jeu de test/);
    expect(detail.historiqueEtat.map((e: { etat: string }) => e.etat)).toEqual(['EN_DEPOT', ...statesOf('VALIDE')]);
  });

  it('REJET: the ticket is rejected (EN_REJET, closed)', async () => {
    const ref = await deposit('ETH-REJET');
    expect((await client(t.base, esav, 'state', '--reference', ref, '--wait', 'EN_REJET', '--every', '0.1', '--timeout', '30')).code).toBe(0);
    expect((await history(ref)).map((e) => e.to_state)).toEqual(['EN_DEPOT', 'EN_REJET']);
    const closed = (await t.int.query('SELECT closed_at FROM tickets WHERE reference = $1', [ref])).rows[0].closed_at;
    expect(closed).toBeInstanceOf(Date);
    // Its scenario is over: nothing else happens to it.
    expect((await t.int.query('SELECT outcome, done_at IS NOT NULL AS done FROM integration_runs WHERE ticket_reference = $1', [ref])).rows[0]).toEqual({ outcome: 'EN_REJET', done: true });
  });

  it('GEL: frozen waiting for the operator; completerSignalisation lets it continue to VALIDE', async () => {
    const ref = await deposit('ETH-GEL');
    expect((await client(t.base, esav, 'state', '--reference', ref, '--wait', 'GELE', '--every', '0.1', '--timeout', '30')).code).toBe(0);
    // Ten steps later it is still frozen: the run waits for the complement.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await client(t.base, esav, '--get', 'etat', 'state', '--reference', ref)).out).toBe('GELE');
    const run = (await t.int.query('SELECT step, awaiting_since IS NOT NULL AS awaiting, done_at FROM integration_runs WHERE ticket_reference = $1', [ref])).rows[0];
    expect(run).toEqual({ step: 2, awaiting: true, done_at: null });
    const d = JSON.parse((await client(t.base, esav, '--json', 'detail', '--reference', ref)).out);
    expect(JSON.stringify(d.commentaireSav)).toMatch(/completerSignalisation/);

    const c = await client(t.base, esav, 'complete', '--reference', ref, '--text', 'Accès au site du lundi au vendredi, 8 h - 18 h.');
    expect(c.code).toBe(0);
    expect((await client(t.base, esav, 'state', '--reference', ref, '--wait', 'VALIDE', '--every', '0.1', '--timeout', '30')).code).toBe(0);
    expect((await history(ref)).map((e) => e.to_state)).toEqual(['EN_DEPOT', ...statesOf('GEL')]);
  });

  it('a deposit on a prestation without scenario stays EN_DEPOT (the SAV moves it by hand)', async () => {
    const ref = await deposit('ETH-KO-OPERATEUR');
    await new Promise((r) => setTimeout(r, 600));
    expect((await client(t.base, esav, '--get', 'etat', 'state', '--reference', ref)).out).toBe('EN_DEPOT');
    expect((await t.int.query('SELECT 1 FROM integration_runs WHERE ticket_reference = $1', [ref])).rowCount).toBe(0);
  });
});

describe('the data set\'s network and planning behaviours', () => {
  it('remote tests: KO at the PBO, ECHEC on timeout and equipment error, no test for copper, OK on a line that works', async () => {
    const launch = async (creds: string, key: string, type: string) => {
      const r = await client(t.base, creds, '--get', 'idTest', 'test', 'launch', '--prestation', id(key), '--type', type);
      expect(r.code).toBe(0);
      return r.out.trim();
    };
    const result = async (creds: string, testId: string) => JSON.parse((await client(t.base, creds, '--json', 'test', 'result', '--id', testId, '--wait', 'TERMINE,ECHEC', '--every', '0.2', '--timeout', '30')).out);
    const [pbo, timeout, err, ok] = await Promise.all([
      launch(ftth, 'FTTH-PBO', 'ETAT_LIGNE_OPTIQUE'),
      launch(ftth, 'FTTH-TIMEOUT', 'ETAT_SERVICE'),
      launch(esav, 'ETH-ERREUR', 'ETAT_SERVICE'),
      launch(ftth, 'FTTH-VALIDE', 'ETAT_LIGNE_OPTIQUE'),
    ]);
    const [rPbo, rTimeout, rErr, rOk] = await Promise.all([result(ftth, pbo), result(ftth, timeout), result(esav, err), result(ftth, ok)]);
    expect(rPbo).toMatchObject({ etat: 'TERMINE', verdict: 'KO', origineProbable: 'RESEAU_FOURNISSEUR' });
    expect(rPbo.mesure).toEqual(expect.arrayContaining([expect.objectContaining({ nom: 'puissanceRecue', valeur: '-40.0' })]));
    expect(rTimeout).toMatchObject({ etat: 'ECHEC', erreur: { code: 'DELAI_DEPASSE' } });
    expect(rErr).toMatchObject({ etat: 'ECHEC', erreur: { code: 'ERREUR_EQUIPEMENT' } });
    expect(rOk).toMatchObject({ etat: 'TERMINE', verdict: 'OK' });
    const cu = await client(t.base, esav, '--expect-fault', 'OFFRE_SANS_TEST', 'test', 'launch', '--prestation', id('CUIVRE-VALIDE'), '--type', 'ETAT_SERVICE');
    expect(cu.code).toBe(0);
  });

  it('planned works on the PM: seen on the impacted prestation (e-SAV Test and Interop\'Fibre)', async () => {
    const w = JSON.parse((await client(t.base, ftth, '--json', 'test', 'works', '--prestation', id('FTTH-TRAVAUX'))).out);
    expect(w.travaux).toEqual([expect.objectContaining({ reference: 'TP-INT-PM-0001', nature: 'TP', equipementConcerne: 'PM' })]);
    const none = JSON.parse((await client(t.base, ftth, '--json', 'test', 'works', '--prestation', id('FTTH-VALIDE'))).out);
    expect(none.travaux).toBeUndefined();
    const f = await client(t.base, ftth, '--get', 'listeTravaux.travaux.0.referencePm', 'works', '--prestation', id('FTTH-TRAVAUX'));
    expect(f.out).toBe('PM-INT-0001');
  });

  it('the zone with no free slot: an empty search, then a deposit with PAS_DE_PLAGES_DISPONIBLES; another zone books', async () => {
    const from = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
    const empty = JSON.parse((await client(t.base, ftth, '--json', 'slots', '--zone', dataset.zoneWithoutSlot, '--from', from, '--to', to)).out);
    expect(empty.listeCreneau?.occCreneau).toBeUndefined();
    const ref = await deposit('FTTH-SANS-CRENEAU', ['--context', 'PAS_DE_PLAGES_DISPONIBLES'], ftth);
    expect(ref).toMatch(/^S\d\d-/);
    const slot = await client(t.base, ftth, '--get', 'listeCreneau.occCreneau.0.idOI', 'slots', '--zone', '75056', '--from', from, '--to', to);
    expect(slot.code).toBe(0);
    const booked = await client(t.base, ftth, '--get', 'idRendezvous', 'book', '--slot', slot.out.trim(), '--zone', '75056');
    expect(booked.out).toMatch(/^RDV-/);
    const blackout = await client(t.base, ftth, '--expect-fault', 'RECHERCHE_INDISPONIBLE', 'slots', '--zone', dataset.zoneInBlackout, '--from', from, '--to', to);
    expect(blackout.code).toBe(0);
  });
});

describe('validation recorded from the integration platform into production', () => {
  it('the first successful call of a domain validates it in production, with what was called; a fault validates nothing', async () => {
    const fault = await client(t.base, late, '--expect-fault', 'PRESTATION_INCONNUE', 'test', 'list', '--prestation', 'NOT-MINE');
    expect(fault.code).toBe(0);
    expect((await t.prod.query('SELECT 1 FROM operator_validations WHERE operator_siren = $1', [LATE])).rowCount).toBe(0);
    expect((await client(t.base, late, 'test', 'list', '--prestation', id('ETH-VALIDE', LATE))).code).toBe(0);
    const rows = (await t.prod.query('SELECT domain, how, details FROM operator_validations WHERE operator_siren = $1', [LATE])).rows;
    expect(rows).toEqual([{ domain: 'test', how: 'platform', details: expect.objectContaining({ service: 'test', operation: 'listerTestsDisponibles', requestId: expect.any(String), certificate: expect.stringMatching(/^[0-9a-f]{64}$/) }) }]);
    // The earlier deposits validated the other operator's signalisation domain.
    const op = (await t.prod.query('SELECT domain FROM operator_validations WHERE operator_siren = $1 ORDER BY domain', [OP])).rows.map((r) => r.domain);
    expect(op).toEqual(['signalisation', 'test']);
  });
});

describe('a restart of the integration platform', () => {
  it('loads the data set again without duplicating it, and resumes the scenario runs where they were', async () => {
    const count = async () => (await t.int.query("SELECT (SELECT count(*) FROM prestations)::int AS p, (SELECT count(*) FROM operators)::int AS o, (SELECT count(*) FROM technicians)::int AS t, (SELECT count(*) FROM works)::int AS w")).rows[0];
    const before = await count();
    // A run enrolled but not moved (as if the platform stopped right after the deposit).
    const ref = await deposit('CUIVRE-VALIDE');
    await t.int.query("UPDATE integration_runs SET due_at = now() + interval '1 hour' WHERE ticket_reference = $1", [ref]);
    await t.gw.close();
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(...c.toString().split('\n').filter(Boolean)), cb()) });
    const second = await startGateway(loadConfig({ ...t.env, ESAV_PORT: '0', ESAV_ADMIN_PORT: '0' }), pino({ level: 'info' }, sink));
    try {
      expect(lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'integration platform: test data set loaded')).toMatchObject({ operators: 0, prestations: 0, works: 0 });
      expect(await count()).toEqual(before);
      await t.int.query('UPDATE integration_runs SET due_at = now() WHERE ticket_reference = $1', [ref]);
      await waitFor('the scenario to resume', async () => ((await t.int.query('SELECT state FROM tickets WHERE reference = $1', [ref])).rows[0].state === 'VALIDE' ? true : undefined), 30_000, 100);
      expect((await history(ref)).map((e) => e.to_state)).toEqual(['EN_DEPOT', ...statesOf('VALIDE')]);
    } finally {
      await second.close();
    }
  });
});
