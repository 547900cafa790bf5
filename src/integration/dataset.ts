import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from '../db/pool.js';
import { PROJECT_ROOT } from '../paths.js';
import { insertTechnician } from '../domain/appointments/repo.js';
import type { ScenarioName } from './scenarios.js';

export interface DatasetPrestation {
  key: string;
  offer: 'ETH_ENTREPRISE' | 'FTTH_ACCES' | 'CUIVRE_ACCES';
  scenario?: ScenarioName;
  /** The simulator outcome of a remote test on it (documentation; the simulator's rules decide). */
  test?: string;
  codeInsee?: string;
  refPto?: string;
  endA?: string;
  endZ?: string;
  /** What it does, in the operator's words: stored as the prestation's information. */
  behaviour: string;
}

export interface DatasetWork {
  reference: string;
  type: 'TP' | 'DERCO';
  equipment: 'PM' | 'PMT' | 'PBO' | 'LIENPMPBO';
  pmRef: string;
  pmPrestationRef: string;
  startsAt: string;
  endsAt: string;
  interventionRequired: boolean;
  nature?: string;
  comment?: string;
  /** Keys of the prestations it impacts, for every operator. */
  impacts: string[];
}

export interface Dataset {
  operators: Array<{ siren: string; name: string }>;
  prestations: DatasetPrestation[];
  technicians: Array<{ name: string; zones: string[]; types: string[]; weekdays: number[]; hours: string }>;
  zoneWithoutSlot: string;
  /** The one zone whose slot search always answers as in the nightly window (RECHERCHE_INDISPONIBLE). */
  zoneInBlackout: string;
  works: DatasetWork[];
}

export const DATASET_FILE = join(PROJECT_ROOT, 'src', 'integration', 'dataset.json');
const SCENARIOS: ReadonlySet<string> = new Set(['VALIDE', 'REJET', 'GEL']);

export function loadDataset(file = DATASET_FILE): Dataset {
  const d = JSON.parse(readFileSync(file, 'utf8')) as Dataset;
  const keys = new Set<string>();
  for (const o of d.operators) if (!/^[0-9]{9}$/.test(o.siren)) throw new Error(`${file}: bad SIREN ${o.siren}`);
  for (const p of d.prestations) {
    if (!/^[A-Z0-9-]{1,40}$/.test(p.key) || keys.has(p.key)) throw new Error(`${file}: bad or repeated key ${p.key}`);
    keys.add(p.key);
    if (p.scenario !== undefined && !SCENARIOS.has(p.scenario)) throw new Error(`${file}: ${p.key}: unknown scenario ${p.scenario}`);
  }
  for (const w of d.works) for (const k of w.impacts) if (!keys.has(k)) throw new Error(`${file}: work ${w.reference} impacts unknown key ${k}`);
  return d;
}

export function prestationId(siren: string, key: string): string {
  return `INT-${siren}-${key}`;
}

/** The data set entry behind a prestation id, if it is one of the data set's. */
export function entryOf(dataset: Dataset, id: string): DatasetPrestation | undefined {
  const m = /^INT-[0-9]{9}-(.+)$/.exec(id);
  return m ? dataset.prestations.find((p) => p.key === m[1]) : undefined;
}

// Serialises loads of several processes starting at once (arbitrary constant).
const DATASET_LOCK = 7_341_012;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Loads the data set into the integration database, idempotently: the test operators, the
 * technicians, the works, and the data set's prestations for every operator (or only `siren`).
 * Existing rows are left as they are; returns what it created.
 */
export async function provision(pool: Pool, dataset: Dataset, only?: string): Promise<{ operators: number; prestations: number; works: number }> {
  const lock = await pool.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [DATASET_LOCK]);
    let operators = 0;
    let works = 0;
    if (!only) {
      for (const o of dataset.operators) {
        const r = await pool.query('INSERT INTO operators (siren, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [o.siren, o.name]);
        operators += r.rowCount ?? 0;
      }
      for (const t of dataset.technicians) {
        const [from, to] = t.hours.split('-');
        await insertTechnician(pool, { name: t.name, zones: t.zones, types: t.types, weekdays: t.weekdays, startMinute: minutes(from!), endMinute: minutes(to!) });
      }
      for (const w of dataset.works) {
        const r = await pool.query(
          `INSERT INTO works (reference, type, equipment, pm_ref, pm_prestation_ref, created_at, modified_at, starts_at, ends_at,
                              intervention_required, nature, state, comment, public)
           VALUES ($1, $2, $3, $4, $5, now(), now(), $6, $7, $8, $9, 'NOUVEAU', $10, false) ON CONFLICT DO NOTHING`,
          [w.reference, w.type, w.equipment, w.pmRef, w.pmPrestationRef, new Date(w.startsAt), new Date(w.endsAt), w.interventionRequired, w.nature ?? null, w.comment ?? null],
        );
        works += r.rowCount ?? 0;
      }
    }
    const sirens = only ? [only] : (await pool.query('SELECT siren FROM operators ORDER BY siren')).rows.map((r) => r.siren as string);
    let prestations = 0;
    for (const siren of sirens) {
      for (const p of dataset.prestations) {
        const r = await pool.query(
          `INSERT INTO prestations (prestation_id, operator_siren, offer_code, ref_pto, end_a, end_z, info, code_insee)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [prestationId(siren, p.key), siren, p.offer, p.refPto ?? null, p.endA ?? null, p.endZ ?? null, p.behaviour, p.codeInsee ?? null],
        );
        prestations += r.rowCount ?? 0;
      }
      for (const w of dataset.works) {
        for (const key of w.impacts) {
          await pool.query(
            `UPDATE works SET impacted_prestations = array_append(impacted_prestations, $2)
              WHERE reference = $1 AND NOT ($2 = ANY (impacted_prestations))`,
            [w.reference, prestationId(siren, key)],
          );
        }
      }
    }
    return { operators, prestations, works };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [DATASET_LOCK]).catch(() => undefined);
    lock.release();
  }
}
