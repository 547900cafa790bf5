import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk, spawnGateway } from '../support/cli.js';
import { envelope, soapPost } from '../support/http.js';
import { parisDate, parisTime } from '../../src/calendar/index.js';
import { isInSearchBlackout } from '../../src/calendar/slots.js';

const IF = 'http://interop-fibre.fr';
const ZONE = '13055';
const OPERATORS = Array.from({ length: 10 }, (_, i) => `7${String(i).padStart(2, '0')}000001`);
let t: TestGateway;
let second: { child: ChildProcess; port: number } | undefined;
let db: pg.Pool;
const creds = new Map<string, ClientCreds>();

// Searches are refused from 01:00 to 04:00 Paris time: a suite that runs then moves both gateways'
// clocks (and this test's) to 04:05, the in-process one by its clock option, the spawned one by
// a preload (test/support/shiftClock.ts). Zero the rest of the day.
const SHIFT_MS = (() => {
  // Now, or within the test's own length with margin.
  const b = [new Date(), new Date(Date.now() + 10 * 60_000)].map(isInSearchBlackout).find((x) => x.blackout);
  return b ? b.reopensAt!.getTime() + 5 * 60_000 - Date.now() : 0;
})();
const now = () => new Date(Date.now() + SHIFT_MS);

beforeAll(async () => {
  t = await startTestGateway({}, { clock: now });
  for (const siren of OPERATORS) creds.set(siren, t.issue(siren, 'ftth'));
  for (const name of ['Tech-A', 'Tech-B']) {
    esavOk(t.env, 'planning', 'technician', 'add', '--name', name, '--zones', ZONE, '--types', 'S', '--weekdays', '1-7', '--hours', '08:00-18:00');
  }
  const preload = new URL('../support/shiftClock.js', import.meta.url).href;
  second = await spawnGateway(SHIFT_MS ? { ...t.env, ESAV_TEST_CLOCK_SHIFT_MS: String(SHIFT_MS), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}` } : t.env);
  db = new pg.Pool({ connectionString: t.db.url });
  // Ten certificates and a second process: generous on a loaded 2-core machine.
}, 180_000);

afterAll(async () => {
  if (second) {
    const exited = new Promise((r) => second!.child.once('exit', r));
    second.child.kill('SIGTERM');
    await exited;
  }
  await db?.end();
  await t?.close();
});

function entete(siren: string): string {
  return `<tns:EnteteType xmlns:tns="${IF}"><versionWS>5.0</versionWS><horodatageRequete>${now().toISOString()}</horodatageRequete><sirenOC>${siren}</sirenOC><sirenOI>411111112</sirenOI></tns:EnteteType>`;
}

/** The window starts (ISO) a search on `port` offers for tomorrow, 08:00 to 14:00 Paris. */
async function offeredStarts(port: number, siren: string): Promise<string[]> {
  const tomorrow = parisDate(new Date(now().getTime() + 86400_000));
  const r = await soapPost(
    `https://localhost:${port}/ws/rdv-ftth/v1`,
    creds.get(siren)!,
    envelope(
      `<tns:RechercheCreneauxLibresRequete xmlns:tns="${IF}"><typeIntervention>S</typeIntervention><natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche><codeInsee>${ZONE}</codeInsee><dateDebut>${parisTime(tomorrow, 8, 0).toISOString()}</dateDebut><dateFin>${parisTime(tomorrow, 14, 0).toISOString()}</dateFin><defectPrelocalization>PTO</defectPrelocalization></tns:RechercheCreneauxLibresRequete>`,
      entete(siren),
    ),
    '',
  );
  expect(r.status).toBe(200);
  return [...r.body.matchAll(/<dateDebut>([^<]+)<\/dateDebut>/g)].map((m) => new Date(m[1]!).toISOString());
}

describe('no double booking, across two gateway processes', () => {
  it('10 operators reserving the last 2 technicians of a slot at once: exactly 2 succeed', async () => {
    const tomorrow = parisDate(new Date(now().getTime() + 86400_000));
    const start = parisTime(tomorrow, 10, 0);
    // Each operator holds the slot, as a search would have left it (searches are covered elsewhere;
    // this test is about the race on the last capacity).
    // Both processes have the zone's windows cached before the race (the 10:00 one among them).
    const siren0 = OPERATORS[0]!;
    for (const port of [t.gw.port, second!.port]) expect(await offeredStarts(port, siren0)).toContain(start.toISOString());
    const ids = new Map<string, string>();
    for (const siren of OPERATORS) {
      const id = randomUUID();
      await db.query(
        `INSERT INTO slot_searches (id, operator_siren, code_insee, intervention_type, segment, defect_prelocalization, range_from, range_to, offered_base, offered, offered_count, created_at, expires_at)
         VALUES ($1, $2, $3, 'S', 'GP', 'PTO', $4, $5, $6, '\\x01'::bytea, 1, $7, $8)`,
        [id, siren, ZONE, start, new Date(start.getTime() + 2 * 3600_000), Math.round(start.getTime() / 60_000), now(), new Date(now().getTime() + 10 * 60_000)],
      );
      ids.set(siren, `${id}.${Math.round(start.getTime() / 60_000).toString(36)}`);
    }
    const ports = [t.gw.port, second!.port];
    const replies = await Promise.all(
      OPERATORS.map((siren, i) =>
        soapPost(
          `https://localhost:${ports[i % 2]}/ws/rdv-ftth/v1`,
          creds.get(siren)!,
          envelope(
            `<tns:ReservationCreneauRequete xmlns:tns="${IF}"><natureProduit>FTTH_ACCES</natureProduit><segmentMarche>GP</segmentMarche><codeInsee>${ZONE}</codeInsee><idCreneau>${ids.get(siren)}</idCreneau></tns:ReservationCreneauRequete>`,
            entete(siren),
          ),
          '',
        ),
      ),
    );
    const ok = replies.filter((r) => r.status === 200 && /<idRendezvous>RDV-/.test(r.body));
    const taken = replies.filter((r) => r.status === 500 && /<codeErreur>302<\/codeErreur>/.test(r.body));
    expect(ok).toHaveLength(2);
    expect(taken).toHaveLength(8);
    const rows = (await db.query("SELECT technician_id FROM appointments WHERE code_insee = $1 AND starts_at = $2 AND status <> 'ANNULE'", [ZONE, start])).rows;
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.technician_id)).size).toBe(2);

    // Neither process offers the booked-out window, nor any window overlapping it, once the
    // bookings' notification has reached it (the process that booked drops its cache at once).
    const overlapping = [-90, -60, -30, 0, 30, 60, 90].map((m) => new Date(start.getTime() + m * 60_000).toISOString());
    for (const port of [t.gw.port, second!.port]) {
      let offered: string[] = [];
      for (let i = 0; i < 50; i++) {
        offered = await offeredStarts(port, siren0);
        if (!overlapping.some((s) => offered.includes(s))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(offered.filter((s) => overlapping.includes(s))).toEqual([]);
      expect(offered).toContain(new Date(start.getTime() + 2 * 3600_000).toISOString());
    }
  });
});
