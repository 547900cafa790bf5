import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esav, esavOk } from '../support/cli.js';
import { depositXml, formXml, parseSoap, request, soapPost, V1 } from '../support/http.js';
import { parisMidnight, parisTime } from '../../src/calendar/index.js';
import { CATALOGUE_NAME, publish } from '../../src/lifecycle/versions.js';
import { addWindow } from '../../src/guards/maintenance.js';

// Article 13 (versions, catalogues, notices) and article 11 (maintenance) through the real
// gateway over mTLS, with its business clock pinned.
const OP = '552100554';
let t: TestGateway;
let creds: ClientCreds;
let db: pg.Pool;
let now = parisTime('2026-12-01', 10, 0);

async function settle() {
  await t.gw.lifecycle.refresh();
  await t.gw.guards.maintenance.refresh();
}

async function depositV1(catalogue: string, ext: string) {
  const r = await soapPost(`${t.base}/ws/signalisation/v1`, creds, depositXml(V1, 'ETH-L1', { ext, form: formXml('ETH-L1', catalogue) }), `${V1}#deposerSignalisation`);
  return { r, p: parseSoap(r.body) };
}

beforeAll(async () => {
  t = await startTestGateway({ ESAV_MAINTENANCE_NIGHTLY: '03:45/15' }, { clock: () => now });
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-L1', '--offer', 'ETH_ENTREPRISE');
  db = new pg.Pool({ connectionString: t.db.url });
  // Replay history: before signalisation v2 and catalogue 2026-11 were published.
  await db.query(`DELETE FROM lifecycle_versions WHERE (kind, name, version) IN (('service', 'signalisation', 'v2'), ('catalogue', 'catalogue', '2026-11'))`);
  await publish(db, { kind: 'service', name: 'signalisation', version: 'v2', productionDate: '2027-06-07', evolution: 'major', sunsetDate: '2027-08-02' }, now);
  await publish(db, { kind: 'catalogue', name: CATALOGUE_NAME, version: '2026-11', productionDate: '2027-02-01', evolution: 'minor' }, now);
  await settle();
});

afterAll(async () => {
  await db?.end();
  await t?.close();
});

describe('versions and catalogues (pinned clock)', () => {
  it('answers on a version and a catalogue with a sunset carry avisEvolution headers', async () => {
    now = parisTime('2026-12-01', 10, 0);
    const { r, p } = await depositV1('2026-06', 'LC-1');
    expect(p.fault).toBeUndefined();
    expect(r.body).toContain('<e:avisEvolution xmlns:e="urn:fr:esav:evolution:v1"><e:service>signalisation</e:service><e:version>v1</e:version><e:dateFinVersion>2027-08-02</e:dateFinVersion><e:versionCourante>v2</e:versionCourante></e:avisEvolution>');
    expect(r.body).toContain('<e:catalogue>2026-06</e:catalogue><e:dateFinVersion>2027-03-01</e:dateFinVersion><e:versionCourante>2026-11</e:versionCourante>');
    // v2 has no sunset: no header
    const v2 = await soapPost(`${t.base}/ws/signalisation/v2`, creds, depositXml('urn:fr:esav:signalisation:v2', 'ETH-L1', { ext: 'LC-2' }), 'urn:fr:esav:signalisation:v2#deposerSignalisation');
    expect(parseSoap(v2.body).fault).toBeUndefined();
    expect(v2.body).not.toContain('avisEvolution');
    const list = JSON.parse((await request(`${t.base}/ws`, creds)).body);
    expect(list.services.find((s: any) => s.name === 'signalisation' && s.version === 'v1')).toMatchObject({ productionDate: '2026-01-05', sunsetDate: '2027-08-02' });
    expect(list.catalogues.map((c: any) => [c.version, c.sunsetDate])).toEqual([['2026-06', '2027-03-01'], ['2026-11', null]]);
  });

  it('the older catalogue is kept exactly one month after the new one\'s production', async () => {
    now = new Date(parisMidnight('2027-03-01').getTime() - 1);
    expect((await depositV1('2026-06', 'LC-3')).p.fault).toBeUndefined();
    now = parisMidnight('2027-03-01');
    const { p } = await depositV1('2026-06', 'LC-4');
    expect(p.fault).toMatchObject({ code: 'CATALOGUE_INCONNU' });
    expect(p.fault!.message).toContain('2026-11');
    const list = JSON.parse((await request(`${t.base}/ws`, creds)).body);
    expect(list.catalogues.map((c: any) => c.version)).toEqual(['2026-11']);
  });

  it('after its sunset, v1 answers a fault naming the current version and its WSDL is 410 Gone', async () => {
    now = new Date(parisMidnight('2027-08-02').getTime() - 1);
    expect((await depositV1('2026-11', 'LC-5')).p.fault).toBeUndefined();
    expect((await request(`${t.base}/ws/signalisation/v1?wsdl`, creds)).status).toBe(200);
    now = parisMidnight('2027-08-02');
    const { p } = await depositV1('2026-11', 'LC-6');
    expect(p.fault).toMatchObject({ faultcode: 'soap:Client', code: 'VERSION_RETIREE' });
    expect(p.fault!.message).toMatch(/depuis le 2027-08-02 ; version courante : v2 \(\/ws\/signalisation\/v2\?wsdl\)/);
    const wsdl = await request(`${t.base}/ws/signalisation/v1?wsdl`, creds);
    expect(wsdl.status).toBe(410);
    expect(wsdl.body).toContain('/ws/signalisation/v2?wsdl');
    expect((await request(`${t.base}/ws/signalisation/v2?wsdl`, creds)).status).toBe(200);
    const list = JSON.parse((await request(`${t.base}/ws`, creds)).body);
    expect(list.services.filter((s: any) => s.name === 'signalisation').map((s: any) => s.version)).toEqual(['v2']);
  });

  it('another process (esav) retiring a version is followed by the gateway on NOTIFY', async () => {
    // the real clock is before v1's sunset: esav refuses, naming the date
    const refused = esav(t.env, 'version', 'retire', 'signalisation', 'v1');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/until its sunset 2027-08-02/);
    await db.query(`UPDATE lifecycle_versions SET status = 'retired' WHERE name = 'signalisation' AND version = 'v1'`);
    for (let i = 0; i < 50 && t.gw.registry.get('signalisation', 'v1'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(t.gw.registry.get('signalisation', 'v1')).toBeUndefined();
    expect((await request(`${t.base}/ws/signalisation/v1?wsdl`, creds)).status).toBe(410);
  });

  it('the publish command refuses a production date that breaks the notice, and a third live version', () => {
    const tooSoon = esav(t.env, 'version', 'publish', 'test', 'v1', '--production-date', '2099-01-01', '--minor');
    expect(tooSoon.status).toBe(2);
    expect(tooSoon.stderr).toMatch(/already live/);
    const missing = esav(t.env, 'version', 'publish', 'signalisation', 'v9', '--production-date', '2099-01-01', '--major');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no artefact/);
    const notice = esav(t.env, 'catalogue', 'publish', '2026-11', '--production-date', '2026-12-01');
    expect(notice.status).toBe(2);
  });
});

describe('maintenance (pinned clock)', () => {
  it('the nightly window gives every call a Server fault with the planned end; WSDL and /ws still answer', async () => {
    now = parisTime('2027-09-01', 3, 50);
    const { r, p } = await depositV1('2026-11', 'LC-M1');
    expect(p.fault).toMatchObject({ faultcode: 'soap:Server', code: 'MAINTENANCE_EN_COURS' });
    expect(p.fault!.message).toContain('2027-09-01T04:00:00+02:00');
    expect(r.headers['retry-after']).toBe('600');
    expect((await request(`${t.base}/ws/signalisation/v2?wsdl`, creds)).status).toBe(200);
    expect((await request(`${t.base}/ws`, creds)).status).toBe(200);
    now = parisTime('2027-09-01', 4, 0);
    const v2 = await soapPost(`${t.base}/ws/signalisation/v2`, creds, depositXml('urn:fr:esav:signalisation:v2', 'ETH-L1', { ext: 'LC-M2' }), 'urn:fr:esav:signalisation:v2#deposerSignalisation');
    expect(parseSoap(v2.body).fault).toBeUndefined();
  });

  it('a planned interruption recorded with notice applies in every process', async () => {
    now = parisTime('2027-09-01', 10, 0);
    await addWindow(db, { startsAt: parisTime('2027-09-03', 22, 0), endsAt: parisTime('2027-09-04', 1, 30), reason: 'montée de version PostgreSQL' }, now);
    await settle();
    now = parisTime('2027-09-04', 0, 15);
    const v2 = await soapPost(`${t.base}/ws/signalisation/v2`, creds, depositXml('urn:fr:esav:signalisation:v2', 'ETH-L1', { ext: 'LC-M3' }), 'urn:fr:esav:signalisation:v2#deposerSignalisation');
    const f = parseSoap(v2.body).fault;
    expect(f).toMatchObject({ code: 'MAINTENANCE_EN_COURS' });
    expect(f!.message).toMatch(/montée de version PostgreSQL.*2027-09-04T01:30:00\+02:00/);
    // the command itself refuses short notice unless --urgent (real clock)
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const later = new Date(Date.now() + 7200_000).toISOString();
    const refused = esav(t.env, 'maintenance', 'add', '--from', soon, '--to', later, '--reason', 'test');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/2 working days' notice/);
    expect(esavOk(t.env, 'maintenance', 'add', '--from', soon, '--to', later, '--reason', 'urgence', '--urgent')).toMatch(/\(urgent\)/);
  });
});
