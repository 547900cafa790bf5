import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { migrate } from '../../src/db/migrate.js';
import { parisTime, subtractWorkingDaysFromInstant } from '../../src/calendar/index.js';
import { addWindow } from '../../src/guards/maintenance.js';
import { setLimit } from '../../src/guards/rateLimit.js';
import { seedFromArtefacts, type LifecycleRow } from '../../src/lifecycle/versions.js';
import { renewalDate } from '../../src/pki/store.js';
import { setContact } from '../../src/notices/contacts.js';
import { listOutbox, type OutboxRow } from '../../src/notices/outbox.js';
import { cancelMaintenance, recordMaintenance } from '../../src/notices/producers/maintenance.js';
import { recordRateLimit } from '../../src/notices/producers/rateLimits.js';
import { evolutionNotice, publishWithNotices } from '../../src/notices/producers/evolutions.js';
import { certificateReminders, REMINDER_WORKING_DAYS } from '../../src/notices/producers/certificates.js';
import { scanNotices } from '../../src/notices/scan.js';

// Each notice producer with a pinned clock, against a real PostgreSQL.
let tdb: TestDatabase;
let pool: Pool;
const A = '552100554';
const B = '732829320';
const C = '380129866'; // no contact: its notices are held
const FRIDAY = parisTime('2026-12-04', 10, 0);

async function notices(prefix: string): Promise<OutboxRow[]> {
  return (await listOutbox(pool, { limit: 10_000 })).filter((r) => r.dedupeKey.startsWith(prefix)).sort((x, y) => (x.siren ?? '').localeCompare(y.siren ?? ''));
}

beforeAll(async () => {
  tdb = await freshDatabase();
  pool = createPool(tdb.url, 8, 5000);
  await migrate(pool);
  await pool.query(`INSERT INTO operators (siren, name) VALUES ($1, 'Opérateur A'), ($2, 'Opérateur B'), ($3, 'Opérateur C')`, [A, B, C]);
  await setContact(pool, { siren: A, email: 'noc@a.test', role: 'technique' });
  await setContact(pool, { siren: A, email: 'direction@a.test', role: 'administrateur' });
  await setContact(pool, { siren: B, email: 'exploitation@b.test', role: 'technique' });
  await seedFromArtefacts(pool);
});

afterAll(async () => {
  await pool?.end();
  await tdb?.drop();
});

describe('planned interruptions (article 11)', () => {
  it('esav maintenance add: every operator is told, in the same transaction, with dates, times, duration and reason', async () => {
    const w = await recordMaintenance(pool, { startsAt: parisTime('2026-12-08', 22, 0), endsAt: parisTime('2026-12-09', 1, 30), reason: 'montée de version' }, FRIDAY);
    expect(w.notices).toBe(3);
    const rows = await notices(`maintenance:${w.id}:`);
    expect(rows.map((r) => [r.siren, r.status, r.to])).toEqual([
      [C, 'held', []],
      [A, 'pending', ['direction@a.test', 'noc@a.test']],
      [B, 'pending', ['exploitation@b.test']],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    const a = rows.find((r) => r.siren === A)!;
    expect(a.subject).toBe('[e-SAV] Travaux programmés : interruption du service le mardi 8 décembre 2026 à 22:00');
    expect(a.text).toContain('Opérateur : Opérateur A (SIREN 552100554)');
    expect(a.text).toContain('Début : mardi 8 décembre 2026 à 22:00 (heure de Paris)');
    expect(a.text).toContain('Fin prévue : mercredi 9 décembre 2026 à 01:30 (heure de Paris)');
    expect(a.text).toContain('Durée prévisionnelle : 3 h 30');
    expect(a.text).toContain('Motif : montée de version');
    expect(a.text).toContain('MAINTENANCE_EN_COURS');
    expect(a.createdAt).toEqual(FRIDAY);
  });

  it('an urgent one says so; a refused one records neither window nor notice', async () => {
    const w = await recordMaintenance(pool, { startsAt: parisTime('2026-12-04', 12, 0), endsAt: parisTime('2026-12-04', 12, 45), reason: 'correctif de sécurité', urgent: true }, FRIDAY);
    const a = (await notices(`maintenance:${w.id}:`)).find((r) => r.siren === A)!;
    expect(a.subject).toBe('[e-SAV] Interruption urgente du service le vendredi 4 décembre 2026 à 12:00');
    expect(a.text).toContain('sans le préavis habituel de deux jours ouvrés');
    expect(a.text).toContain('Durée prévisionnelle : 45 min');
    const before = (await listOutbox(pool, { limit: 10_000 })).length;
    await expect(recordMaintenance(pool, { startsAt: parisTime('2026-12-07', 10, 0), endsAt: parisTime('2026-12-07', 11, 0), reason: 'trop tôt' }, FRIDAY)).rejects.toThrow(/2 working days' notice/);
    expect((await listOutbox(pool, { limit: 10_000 })).length).toBe(before);
    expect((await pool.query(`SELECT count(*)::int AS n FROM maintenance_windows WHERE reason = 'trop tôt'`)).rows[0].n).toBe(0);
  });

  it('esav maintenance cancel: the operators that were told hear of the cancellation', async () => {
    const w = await recordMaintenance(pool, { startsAt: parisTime('2026-12-10', 21, 0), endsAt: parisTime('2026-12-10', 23, 0), reason: 'migration base' }, FRIDAY);
    expect(await cancelMaintenance(pool, w.id, FRIDAY)).toBe(true);
    const rows = await notices(`maintenance-annulation:${w.id}:`);
    expect(rows.map((r) => r.siren).sort()).toEqual([A, B, C].sort());
    expect(rows.find((r) => r.siren === B)!.subject).toBe("[e-SAV] Annulation de l'interruption du jeudi 10 décembre 2026 à 21:00");
    expect(await cancelMaintenance(pool, w.id, FRIDAY)).toBe(false);
  });
});

describe('rate limits (article 7)', () => {
  it('one operator\'s limit is announced to that operator only, at once (the day before at the latest)', async () => {
    const r = await recordRateLimit(pool, { siren: B, perMinute: 600, effectiveFrom: parisTime('2026-12-05', 0, 0) }, FRIDAY);
    expect(r.notices).toBe(1);
    const [n] = await notices(`limite-debit:${r.id}:`);
    expect(n).toMatchObject({ siren: B, to: ['exploitation@b.test'], status: 'pending', createdAt: FRIDAY });
    expect(n!.subject).toBe('[e-SAV] Limitation à 600 requêtes par minute à partir du samedi 5 décembre 2026 à 00:00');
    expect(n!.text).toContain('à 600 par minute, à partir du samedi 5 décembre 2026 à 00:00 (heure de Paris)');
    expect(n!.text).toContain('LIMITE_DEBIT_DEPASSEE');
  });

  it('a limit for all reaches every operator; lifting it is announced too; too late is refused with no notice', async () => {
    const all = await recordRateLimit(pool, { siren: null, perMinute: 1200, effectiveFrom: parisTime('2026-12-07', 0, 0) }, FRIDAY);
    expect(all.notices).toBe(3);
    const off = await recordRateLimit(pool, { siren: null, perMinute: null, effectiveFrom: parisTime('2026-12-14', 0, 0) }, FRIDAY);
    expect((await notices(`limite-debit:${off.id}:`)).find((r) => r.siren === A)!.subject).toBe(
      '[e-SAV] Fin de la limitation du nombre de requêtes le lundi 14 décembre 2026 à 00:00',
    );
    const count = (await listOutbox(pool, { limit: 10_000 })).length;
    await expect(recordRateLimit(pool, { siren: A, perMinute: 10, effectiveFrom: parisTime('2026-12-04', 18, 0) }, FRIDAY)).rejects.toThrow(/the day before/);
    expect((await listOutbox(pool, { limit: 10_000 })).length).toBe(count);
  });
});

describe('evolutions (article 13)', () => {
  it('publishing a version tells every operator its production date, the notice and the older version\'s last day', async () => {
    const r = await publishWithNotices(pool, { kind: 'service', name: 'test', version: 'v2', productionDate: '2027-02-08', evolution: 'minor' }, FRIDAY);
    expect(r.notices).toBe(3);
    expect(r.older).toEqual({ version: 'v1', sunsetDate: '2027-08-08' });
    const a = (await notices('evolution:service:test:v2:')).find((n) => n.siren === A)!;
    expect(a.subject).toBe('[e-SAV] Évolution mineure : test v2 en production le lundi 8 février 2027');
    expect(a.text).toContain('la version v2 du web service test entre en production le lundi 8 février 2027');
    expect(a.text).toContain('Préavis : 2 mois (évolution mineure), annoncée le vendredi 4 décembre 2026.');
    expect(a.text).toContain('La version v1 reste en service jusqu\'au samedi 7 août 2027 inclus ; à partir du dimanche 8 août 2027, elle ne répond plus (erreur VERSION_RETIREE).');
    expect(a.text).toContain('/ws/test/v2?wsdl');
  });

  it('a refused publication sends nothing', async () => {
    const count = (await listOutbox(pool, { limit: 10_000 })).length;
    await expect(publishWithNotices(pool, { kind: 'service', name: 'travaux-ftth', version: 'v2', productionDate: '2027-01-04', evolution: 'major' }, FRIDAY)).rejects.toThrow(/6 months' notice/);
    expect((await listOutbox(pool, { limit: 10_000 })).length).toBe(count);
  });

  it('a catalogue notice names the older catalogue\'s last day', () => {
    const row: LifecycleRow = { kind: 'catalogue', name: 'catalogue', version: '2027-03', status: 'live', productionDate: '2027-03-01', sunsetDate: null, evolution: 'major', noticeDate: '2026-09-01' };
    const n = evolutionNotice({ siren: A, name: 'Opérateur A' }, row, { version: '2026-11', sunsetDate: '2027-04-01' });
    expect(n.subject).toBe('[e-SAV] Évolution majeure : catalogue 2027-03 en production le lundi 1 mars 2027');
    expect(n.text).toContain('Préavis : 6 mois (évolution majeure), annoncée le mardi 1 septembre 2026.');
    expect(n.text).toContain("Le catalogue 2026-11 reste accepté jusqu'au mercredi 31 mars 2027 inclus");
  });
});

describe('certificate renewal reminders (renewal date = expiry - 15 working days)', () => {
  const fp = randomBytes(32).toString('hex');
  const notAfter = parisTime('2027-03-31', 12, 0);
  const rd = renewalDate(notAfter);
  const reminderAt = subtractWorkingDaysFromInstant(rd, REMINDER_WORKING_DAYS);

  beforeAll(async () => {
    await pool.query(
      `INSERT INTO certificates (fingerprint, operator_siren, scope, serial, subject, issuer, source, not_before, not_after, pem)
       VALUES ($1, $2, 'esav', '01', 'CN=a', 'CN=ca', 'provider', $3, $4, 'pem')`,
      [fp, A, new Date('2026-03-31T10:00:00Z'), notAfter],
    );
  });

  it('the reminder goes out REMINDER_WORKING_DAYS working days before the renewal date, once', async () => {
    // Easter Monday 29 March 2027 is not a working day.
    expect(rd).toEqual(parisTime('2027-03-09', 12, 0));
    expect(reminderAt).toEqual(parisTime('2027-02-23', 12, 0));
    expect(await certificateReminders(pool, new Date(reminderAt.getTime() - 60_000))).toBe(0);
    expect(await certificateReminders(pool, reminderAt)).toBe(1);
    expect(await certificateReminders(pool, new Date(reminderAt.getTime() + 3600_000))).toBe(0);
    const [n] = await notices(`certificat:${fp}:rappel`);
    expect(n).toMatchObject({ siren: A, to: ['direction@a.test', 'noc@a.test'], kind: 'certificat' });
    expect(n!.subject).toBe('[e-SAV] Renouvellement de votre certificat esav : date de renouvellement le mardi 9 mars 2027');
    expect(n!.text).toContain('Expiration : mercredi 31 mars 2027 à 12:00 (heure de Paris)');
    expect(n!.text).toContain('vous fera parvenir le nouveau certificat au plus tard le mardi 9 mars 2027');
    expect(n!.text).toContain('au plus tard le lundi 1 mars 2027 (30 jours calendaires avant l\'expiration)');
  });

  it('at the renewal date, a certificate still not renewed gets its overdue notice, once; a renewed one nothing', async () => {
    expect(await certificateReminders(pool, new Date(rd.getTime() - 60_000))).toBe(0);
    expect(await certificateReminders(pool, rd)).toBe(1);
    expect(await certificateReminders(pool, new Date(rd.getTime() + 86_400_000))).toBe(0);
    const [n] = await notices(`certificat:${fp}:echeance`);
    expect(n!.subject).toBe('[e-SAV] Certificat esav non renouvelé : expiration le mercredi 31 mars 2027');
    expect(n!.text).toContain('CERTIFICAT_EXPIRE');
    // a recognised-CA certificate renewed in time gets no reminder at all
    const fp2 = randomBytes(32).toString('hex');
    const fp3 = randomBytes(32).toString('hex');
    await pool.query(
      `INSERT INTO certificates (fingerprint, operator_siren, scope, serial, subject, issuer, source, not_before, not_after, pem)
       VALUES ($1, $2, 'ftth', '02', 'CN=b', 'CN=ca', 'recognised', $3, $4, 'pem')`,
      [fp2, B, new Date('2026-03-31T10:00:00Z'), notAfter],
    );
    await pool.query(
      `INSERT INTO certificates (fingerprint, operator_siren, scope, serial, subject, issuer, source, not_before, not_after, pem, renews)
       VALUES ($1, $2, 'ftth', '03', 'CN=b', 'CN=ca', 'recognised', $3, $4, 'pem', $5)`,
      [fp3, B, new Date('2027-02-01T10:00:00Z'), new Date('2028-02-01T10:00:00Z'), fp2],
    );
    expect(await certificateReminders(pool, rd)).toBe(0);
    expect(await notices(`certificat:${fp2}:`)).toEqual([]);
  });
});

describe('the periodic scan', () => {
  it('catches up on changes recorded without their notices, and two runs (even at once) make each notice once', async () => {
    const now = parisTime('2026-12-15', 9, 0);
    // Recorded directly, as before notices existed: no notice yet.
    const w = (await addWindow(pool, { startsAt: parisTime('2026-12-22', 22, 0), endsAt: parisTime('2026-12-22', 23, 0), reason: 'rattrapage' }, now)) as { id: number };
    const l = await setLimit(pool, { siren: A, perMinute: 300, effectiveFrom: parisTime('2026-12-20', 0, 0) }, now);
    expect(await notices(`maintenance:${w.id}:`)).toEqual([]);
    const [one, two] = await Promise.all([scanNotices(pool, now), scanNotices(pool, now)]);
    expect(one.maintenance + two.maintenance).toBe(3);
    expect(one.rateLimits + two.rateLimits).toBe(1);
    expect(await notices(`maintenance:${w.id}:`)).toHaveLength(3);
    expect(await notices(`limite-debit:${l.id}:`)).toHaveLength(1);
    // the test v2 announcement exists already (published with its notices): nothing new
    expect(one.evolutions + two.evolutions).toBe(0);
    const again = await scanNotices(pool, now);
    expect(again).toEqual({ certificates: 0, maintenance: 0, rateLimits: 0, evolutions: 0 });
  });
});
