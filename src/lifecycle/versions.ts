// Article 13: versions of the web services and of the form catalogue. The artefacts (WSDL/XSD
// files) are on disk; which are live, their production and sunset dates and the evolution notice
// they were given are rows of lifecycle_versions. Every rule takes `now`, so tests pin it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { WSDL_DIR } from '../paths.js';
import { CATALOGUE_DIR, NOMENCLATURE_FILE } from '../catalogue/registry.js';
import { parisDate, parisMidnight } from '../calendar/index.js';

export type Kind = 'service' | 'catalogue';
export type Evolution = 'minor' | 'major';

/** name of the catalogue "service" in lifecycle_versions */
export const CATALOGUE_NAME = 'catalogue';
export const MAX_LIVE = 2;
/** Notice an evolution needs before its production date (months). */
export const NOTICE_MONTHS: Record<Evolution, number> = { minor: 2, major: 6 };
/** Interop'Fibre FTTH appointments (annexe P1): no contractual delay for FTTH evolutions. */
export const NO_NOTICE_SERVICES: ReadonlySet<string> = new Set(['rdv-ftth']);
/** The older service version stays between 1 and 6 months after the new one's production. */
export const SUNSET_MIN_MONTHS = 1;
export const SUNSET_MAX_MONTHS = 6;
/** The older catalogue stays exactly one month after the new one's production. */
export const CATALOGUE_OVERLAP_MONTHS = 1;

export interface LifecycleRow {
  kind: Kind;
  name: string;
  version: string;
  status: 'live' | 'retired';
  productionDate: string;
  /** First day the version no longer answers (from 00:00 Paris); null: no end announced. */
  sunsetDate: string | null;
  evolution: Evolution | null;
  noticeDate: string | null;
}

/** A refused lifecycle action: the message says what to do instead. */
export class LifecycleRuleError extends Error {}

const ISO = /^\d{4}-\d{2}-\d{2}$/;

export function isoDate(value: string, what: string): string {
  if (!ISO.test(value) || !DateTime.fromISO(value).isValid) throw new LifecycleRuleError(`${what} must be a date YYYY-MM-DD, got "${value}"`);
  return value;
}

/** Calendar months (the 31st plus one month is the last day of the next month). */
export function addMonths(iso: string, months: number): string {
  return DateTime.fromISO(iso, { zone: 'UTC' }).plus({ months }).toISODate()!;
}

/** The instant a version stops answering: 00:00 Paris on its sunset date. */
export function sunsetInstant(row: Pick<LifecycleRow, 'sunsetDate'>): Date | undefined {
  return row.sunsetDate ? parisMidnight(row.sunsetDate) : undefined;
}

/** Retired, or its sunset has come. */
export function hasEnded(row: LifecycleRow, now: Date): boolean {
  if (row.status === 'retired') return true;
  const end = sunsetInstant(row);
  return end !== undefined && now.getTime() >= end.getTime();
}

/** The version callers should move to: the live one without a sunset, else the newest live one. */
export function currentOf(rows: LifecycleRow[], now: Date): LifecycleRow | undefined {
  const live = rows.filter((r) => !hasEnded(r, now)).sort((a, b) => a.productionDate.localeCompare(b.productionDate) || a.version.localeCompare(b.version));
  return live.find((r) => r.sunsetDate === null) ?? live.at(-1);
}

const COLUMNS = `kind, name, version, status, production_date::text AS "productionDate", sunset_date::text AS "sunsetDate",
  evolution, notice_date::text AS "noticeDate"`;

export async function loadRows(db: Pool | PoolClient, kind?: Kind, name?: string): Promise<LifecycleRow[]> {
  const where = kind ? 'WHERE kind = $1 AND name = $2' : '';
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM lifecycle_versions ${where} ORDER BY kind, name, production_date, version`, kind ? [kind, name] : []);
  return rows as LifecycleRow[];
}

// ---------------------------------------------------------------------------------------------
// Seeding from the artefacts' own declarations

/** What a manifest or nomenclature declares: a lifecycle row without the evolution notice. */
type Declared = Omit<LifecycleRow, 'evolution' | 'noticeDate'>;

function declaredServices(root: string): Declared[] {
  const out: Declared[] = [];
  for (const service of readdirSync(root).sort()) {
    const sdir = join(root, service);
    if (!statSync(sdir).isDirectory()) continue;
    for (const version of readdirSync(sdir).sort()) {
      const file = join(sdir, version, 'manifest.json');
      if (!existsSync(file)) continue;
      const m = JSON.parse(readFileSync(file, 'utf8')) as { service: string; version: string; status: 'live' | 'retired'; productionDate: string; sunsetDate?: string | null };
      out.push({ kind: 'service', name: m.service, version: m.version, status: m.status, productionDate: m.productionDate, sunsetDate: m.sunsetDate ?? null });
    }
  }
  return out;
}

function declaredCatalogues(root: string): Declared[] {
  const out: Declared[] = [];
  for (const dir of readdirSync(root).sort()) {
    const file = join(root, dir, NOMENCLATURE_FILE);
    if (!existsSync(file)) continue;
    // The root element's attributes (the file is validated against nomenclature.xsd when loaded).
    const head = /<nomenclature\b[^>]*>/.exec(readFileSync(file, 'utf8'))?.[0] ?? '';
    const a = (n: string) => new RegExp(`\\b${n}="([^"]*)"`).exec(head)?.[1];
    if (!a('version') || !a('productionDate')) continue;
    out.push({ kind: 'catalogue', name: CATALOGUE_NAME, version: a('version')!, status: a('status') === 'live' ? 'live' : 'retired', productionDate: a('productionDate')!, sunsetDate: a('sunsetDate') ?? null });
  }
  return out;
}

/**
 * First start: a service (or the catalogue) the table does not know yet is seeded from its
 * manifests / nomenclatures. Once known, the table is the truth and the files are only artefacts.
 */
export async function seedFromArtefacts(pool: Pool, wsdlRoot = WSDL_DIR, catalogueRoot = CATALOGUE_DIR): Promise<number> {
  const declared = [...declaredServices(wsdlRoot), ...declaredCatalogues(catalogueRoot)];
  const known = new Set((await pool.query('SELECT DISTINCT kind, name FROM lifecycle_versions')).rows.map((r) => `${r.kind}/${r.name}`));
  const fresh = declared.filter((d) => !known.has(`${d.kind}/${d.name}`));
  if (fresh.length === 0) return 0;
  return inTransaction(pool, async (c) => {
    let n = 0;
    for (const group of new Set(fresh.map((d) => `${d.kind}/${d.name}`))) {
      const [kind, name] = group.split('/') as [Kind, string];
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lifecycle:${group}`]);
      const exists = await c.query('SELECT 1 FROM lifecycle_versions WHERE kind = $1 AND name = $2 LIMIT 1', [kind, name]);
      if (exists.rowCount) continue;
      for (const d of fresh.filter((x) => x.kind === kind && x.name === name)) {
        await c.query(
          `INSERT INTO lifecycle_versions (kind, name, version, status, production_date, sunset_date) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [d.kind, d.name, d.version, d.status, d.productionDate, d.sunsetDate],
        );
        n++;
      }
    }
    return n;
  });
}

// ---------------------------------------------------------------------------------------------
// publish / retire

export interface PublishRequest {
  kind: Kind;
  name: string;
  version: string;
  productionDate: string;
  evolution?: Evolution;
  /** When the evolution was announced; default: today (Paris). */
  noticeDate?: string;
  /** Services only: the older version's sunset; default: production + 6 months. */
  sunsetDate?: string;
}

export interface PublishOutcome {
  published: LifecycleRow;
  /** The older live version and the sunset it now has. */
  older?: { version: string; sunsetDate: string };
  /** Live versions whose sunset had passed, retired on the way. */
  retired: string[];
}

const label = (kind: Kind, name: string, version: string) => (kind === 'catalogue' ? `catalogue ${version}` : `${name} ${version}`);

/** Notice rule: production date >= notice date + 2 months (minor) or 6 months (major). */
export function checkNotice(kind: Kind, name: string, productionDate: string, evolution: Evolution | undefined, noticeDate: string): void {
  if (kind === 'service' && NO_NOTICE_SERVICES.has(name)) return;
  if (!evolution) throw new LifecycleRuleError(`say which evolution this is: --minor (${NOTICE_MONTHS.minor} months' notice) or --major (${NOTICE_MONTHS.major} months' notice)`);
  const earliest = addMonths(noticeDate, NOTICE_MONTHS[evolution]);
  if (productionDate < earliest) {
    throw new LifecycleRuleError(
      `a ${evolution} evolution needs ${NOTICE_MONTHS[evolution]} months' notice: announced on ${noticeDate}, its production date can be ${earliest} at the earliest (asked: ${productionDate})`,
    );
  }
}

/** `recorded` runs in the publishing transaction (the notices of the evolution: src/notices). */
export async function publish(pool: Pool, req: PublishRequest, now: Date, recorded?: (c: PoolClient, outcome: PublishOutcome) => Promise<void>): Promise<PublishOutcome> {
  const today = parisDate(now);
  const production = isoDate(req.productionDate, '--production-date');
  const notice = req.noticeDate ? isoDate(req.noticeDate, '--notice-date') : today;
  if (notice > today) throw new LifecycleRuleError(`--notice-date ${notice} is in the future: the notice counts from when it was given`);
  if (production < today) throw new LifecycleRuleError(`--production-date ${production} is in the past (today: ${today})`);
  checkNotice(req.kind, req.name, production, req.evolution, notice);
  const what = label(req.kind, req.name, req.version);

  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lifecycle:${req.kind}/${req.name}`]);
    // Versions whose sunset has come are retired first: they no longer count as live.
    const gone = await c.query(
      `UPDATE lifecycle_versions SET status = 'retired', retired_at = $4 WHERE kind = $1 AND name = $2 AND status = 'live' AND sunset_date <= $3 RETURNING version`,
      [req.kind, req.name, today, now],
    );
    const rows = await loadRows(c, req.kind, req.name);
    const same = rows.find((r) => r.version === req.version);
    if (same?.status === 'live') throw new LifecycleRuleError(`${what} is already live (production ${same.productionDate})`);
    if (same) throw new LifecycleRuleError(`${what} was retired: a retired version is not published again, publish a new version`);
    const live = rows.filter((r) => r.status === 'live');
    if (live.length >= MAX_LIVE) {
      const desc = live.map((r) => `${r.version}${r.sunsetDate ? ` until ${r.sunsetDate}` : ''}`).join(', ');
      throw new LifecycleRuleError(`${MAX_LIVE} versions are already live (${desc}): ${what} can be published once one is retired`);
    }
    const older = live.find((r) => r.sunsetDate === null);
    let olderOut: PublishOutcome['older'];
    if (older) {
      if (production <= older.productionDate) {
        throw new LifecycleRuleError(`${what} must go into production after ${older.version} (${older.productionDate})`);
      }
      let sunset: string;
      if (req.kind === 'catalogue') {
        sunset = addMonths(production, CATALOGUE_OVERLAP_MONTHS);
        if (req.sunsetDate !== undefined && req.sunsetDate !== sunset) {
          throw new LifecycleRuleError(`the older catalogue ${older.version} is kept exactly ${CATALOGUE_OVERLAP_MONTHS} month after the new one's production: its sunset is ${sunset}, not ${req.sunsetDate}`);
        }
      } else {
        sunset = req.sunsetDate === undefined ? addMonths(production, SUNSET_MAX_MONTHS) : isoDate(req.sunsetDate, '--sunset');
        const min = addMonths(production, SUNSET_MIN_MONTHS);
        const max = addMonths(production, SUNSET_MAX_MONTHS);
        if (sunset < min || sunset > max) {
          throw new LifecycleRuleError(
            `the sunset of ${older.version} must be between ${SUNSET_MIN_MONTHS} and ${SUNSET_MAX_MONTHS} months after ${req.version}'s production (${production}): from ${min} to ${max}, asked ${sunset}`,
          );
        }
      }
      await c.query(`UPDATE lifecycle_versions SET sunset_date = $4 WHERE kind = $1 AND name = $2 AND version = $3`, [req.kind, req.name, older.version, sunset]);
      olderOut = { version: older.version, sunsetDate: sunset };
    } else if (req.sunsetDate !== undefined) {
      throw new LifecycleRuleError(`no live version without a sunset: --sunset has nothing to apply to`);
    }
    await c.query(
      `INSERT INTO lifecycle_versions (kind, name, version, status, production_date, evolution, notice_date, published_at) VALUES ($1, $2, $3, 'live', $4, $5, $6, $7)`,
      [req.kind, req.name, req.version, production, req.evolution ?? null, notice, now],
    );
    const published = (await loadRows(c, req.kind, req.name)).find((r) => r.version === req.version)!;
    const outcome = { published, older: olderOut, retired: gone.rows.map((r) => r.version as string) };
    await recorded?.(c, outcome);
    return outcome;
  });
}

export interface RetireOutcome {
  retired: string;
  /** A withdrawn announcement gives the older version back its open end. */
  sunsetCleared?: string;
}

/**
 * Retires a version: once its sunset has come, or an announced version before its production
 * (withdrawal: the older version's sunset is lifted). A version in production without a passed
 * sunset is refused: operators were promised it until then.
 */
export async function retire(pool: Pool, kind: Kind, name: string, version: string, now: Date): Promise<RetireOutcome> {
  const today = parisDate(now);
  const what = label(kind, name, version);
  return inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lifecycle:${kind}/${name}`]);
    const rows = await loadRows(c, kind, name);
    const row = rows.find((r) => r.version === version);
    if (!row) throw new LifecycleRuleError(`${what} is not known; known: ${rows.map((r) => `${r.version} (${r.status})`).join(', ') || 'none'}`);
    if (row.status === 'retired') throw new LifecycleRuleError(`${what} is already retired`);
    let sunsetCleared: string | undefined;
    if (row.sunsetDate && row.sunsetDate <= today) {
      // its end has come
    } else if (row.productionDate > today) {
      const other = rows.find((r) => r.version !== version && r.status === 'live' && r.sunsetDate !== null && r.sunsetDate > today);
      if (other) {
        await c.query(`UPDATE lifecycle_versions SET sunset_date = NULL WHERE kind = $1 AND name = $2 AND version = $3`, [kind, name, other.version]);
        sunsetCleared = other.version;
      }
    } else if (row.sunsetDate) {
      throw new LifecycleRuleError(`${what} stays in production until its sunset ${row.sunsetDate}: it can be retired from that day`);
    } else {
      throw new LifecycleRuleError(`${what} is in production with no sunset: publish its successor first (its sunset is set then)`);
    }
    await c.query(`UPDATE lifecycle_versions SET status = 'retired', retired_at = $4 WHERE kind = $1 AND name = $2 AND version = $3`, [kind, name, version, now]);
    return { retired: version, sunsetCleared };
  });
}
