// esav version|catalogue publish|retire|list, esav maintenance add|list|cancel,
// esav ratelimit set|list: thin wrappers over src/lifecycle and src/guards (rules take `now`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Config } from '../config.js';
import { flags, required, siren, UsageError, type Flags } from './args.js';
import { withDb, type Out } from './commands.js';
import { WSDL_DIR } from '../paths.js';
import { loadVersion } from '../soap/registry.js';
import { CATALOGUE_DIR, loadCatalogueVersion } from '../catalogue/registry.js';
import { PARIS } from '../calendar/index.js';
import {
  CATALOGUE_NAME, LifecycleRuleError, loadRows, retire, seedFromArtefacts, type Evolution, type Kind,
} from '../lifecycle/versions.js';
import { listWindows, MaintenanceRuleError, parisIso } from '../guards/maintenance.js';
import { listLimits, RateLimitRuleError } from '../guards/rateLimit.js';
import { cancelMaintenance, recordMaintenance } from '../notices/producers/maintenance.js';
import { recordRateLimit } from '../notices/producers/rateLimits.js';
import { publishWithNotices } from '../notices/producers/evolutions.js';

async function rules<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LifecycleRuleError || err instanceof MaintenanceRuleError || err instanceof RateLimitRuleError) throw new UsageError(err.message);
    throw err;
  }
}

function positionals(f: Flags, n: number, usage: string): string[] {
  const p = typeof f._ === 'string' ? f._.split(' ') : [];
  if (p.length !== n) throw new UsageError(`expected ${usage}`);
  return p;
}

function evolution(f: Flags): Evolution | undefined {
  if (f.minor && f.major) throw new UsageError('--minor or --major, not both');
  return f.major ? 'major' : f.minor ? 'minor' : undefined;
}

/** The artefacts must be on disk and sound before a version is published. */
function checkArtefact(kind: Kind, name: string, version: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || !/^[A-Za-z0-9._-]+$/.test(version)) throw new UsageError(`invalid name or version: ${name} ${version}`);
  try {
    if (kind === 'service') {
      const file = join(WSDL_DIR, name, version, 'manifest.json');
      if (!existsSync(file)) throw new UsageError(`no artefact: ${file} not found (add wsdl/${name}/${version}/ first)`);
      const m = JSON.parse(readFileSync(file, 'utf8')) as { service: string; version: string };
      if (m.service !== name || m.version !== version) throw new UsageError(`${file} declares ${m.service} ${m.version}`);
      loadVersion(join(WSDL_DIR, name, version)).validator.dispose();
    } else {
      const dir = join(CATALOGUE_DIR, version);
      if (!existsSync(dir)) throw new UsageError(`no artefact: ${dir} not found (add xsd/catalogue/${version}/ first)`);
      for (const form of loadCatalogueVersion(dir).forms.values()) form.validator.dispose();
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`the artefacts of ${name} ${version} do not load: ${(err as Error).message}`);
  }
}

async function publishCmd(config: Config, kind: Kind, name: string, version: string, f: Flags, out: Out): Promise<void> {
  checkArtefact(kind, name, version);
  await withDb(config, async (db) => {
    await seedFromArtefacts(db.pool);
    const r = await rules(() =>
      publishWithNotices(db.pool, {
        kind, name, version,
        productionDate: required(f, 'production-date', 'YYYY-MM-DD'),
        evolution: evolution(f),
        noticeDate: f['notice-date'] as string | undefined,
        sunsetDate: f.sunset as string | undefined,
      }, new Date()),
    );
    for (const v of r.retired) out(`${name} ${v} retired (its sunset had come)`);
    out(`${kind === 'catalogue' ? 'catalogue' : name} ${version} published, production ${r.published.productionDate}` +
      (r.older ? `; ${r.older.version} ends on ${r.older.sunsetDate}` : '') + `; ${r.notices} operator notice(s) queued`);
  });
}

async function retireCmd(config: Config, kind: Kind, name: string, version: string, out: Out): Promise<void> {
  await withDb(config, async (db) => {
    await seedFromArtefacts(db.pool);
    const r = await rules(() => retire(db.pool, kind, name, version, new Date()));
    out(`${kind === 'catalogue' ? 'catalogue' : name} ${version} retired` + (r.sunsetCleared ? `; ${r.sunsetCleared} has no sunset any more` : ''));
  });
}

async function listCmd(config: Config, kind: Kind, name: string | undefined, out: Out): Promise<void> {
  await withDb(config, async (db) => {
    await seedFromArtefacts(db.pool);
    for (const r of await loadRows(db.pool)) {
      if (r.kind !== kind || (name && r.name !== name)) continue;
      out(`${r.kind === 'catalogue' ? 'catalogue' : r.name} ${r.version} ${r.status} production ${r.productionDate} sunset ${r.sunsetDate ?? '-'}` +
        (r.evolution ? ` ${r.evolution} (notice ${r.noticeDate})` : ''));
    }
  });
}

const PUBLISH_FLAGS = { 'production-date': 'string', minor: 'boolean', major: 'boolean', 'notice-date': 'string', sunset: 'string' } as const;

export async function versionPublish(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, PUBLISH_FLAGS);
  const [service, version] = positionals(f, 2, '<service> <version>');
  await publishCmd(config, 'service', service!, version!, f, out);
}

export async function versionRetire(config: Config, argv: string[], out: Out): Promise<void> {
  const [service, version] = positionals(flags(argv, {}), 2, '<service> <version>');
  await retireCmd(config, 'service', service!, version!, out);
}

export async function versionList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, {});
  await listCmd(config, 'service', f._ as string | undefined, out);
}

export async function cataloguePublish(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { 'production-date': 'string', minor: 'boolean', major: 'boolean', 'notice-date': 'string' });
  const [version] = positionals(f, 1, '<version> (YYYY-MM)');
  await publishCmd(config, 'catalogue', CATALOGUE_NAME, version!, f, out);
}

export async function catalogueRetire(config: Config, argv: string[], out: Out): Promise<void> {
  const [version] = positionals(flags(argv, {}), 1, '<version> (YYYY-MM)');
  await retireCmd(config, 'catalogue', CATALOGUE_NAME, version!, out);
}

export async function catalogueList(config: Config, argv: string[], out: Out): Promise<void> {
  flags(argv, {});
  await listCmd(config, 'catalogue', undefined, out);
}

/** YYYY-MM-DD (00:00 Paris), YYYY-MM-DDTHH:MM (Paris wall clock) or an ISO instant with offset. */
export function parseInstant(v: string, flag: string): Date {
  const dt = DateTime.fromISO(v, { zone: PARIS });
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || !dt.isValid) throw new UsageError(`--${flag} must be YYYY-MM-DD, YYYY-MM-DDTHH:MM (Paris time) or an ISO date-time, got "${v}"`);
  return dt.toJSDate();
}

export async function maintenanceAdd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { from: 'string', to: 'string', reason: 'string', urgent: 'boolean' });
  const w = {
    startsAt: parseInstant(required(f, 'from'), 'from'),
    endsAt: parseInstant(required(f, 'to'), 'to'),
    reason: required(f, 'reason', 'operators read it in the fault'),
    urgent: Boolean(f.urgent),
  };
  await withDb(config, async (db) => {
    const added = await rules(() => recordMaintenance(db.pool, w, new Date()));
    out(`maintenance ${added.id} from ${parisIso(added.startsAt)} to ${parisIso(added.endsAt)}${added.urgent ? ' (urgent)' : ''}: ${added.reason}; ${added.notices} operator notice(s) queued`);
  });
}

export async function maintenanceList(config: Config, argv: string[], out: Out): Promise<void> {
  flags(argv, {});
  await withDb(config, async (db) => {
    for (const w of await listWindows(db.pool, new Date())) out(`${w.id} ${parisIso(w.startsAt)} -> ${parisIso(w.endsAt)}${w.urgent ? ' urgent' : ''} ${w.reason}`);
  });
}

export async function maintenanceCancel(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { id: 'string' });
  const id = Number(required(f, 'id'));
  if (!Number.isInteger(id)) throw new UsageError('--id must be a window number (esav maintenance list)');
  await withDb(config, async (db) => {
    if (!(await cancelMaintenance(db.pool, id, new Date()))) throw new UsageError(`no planned window ${id} (esav maintenance list)`);
    out(`maintenance ${id} cancelled`);
  });
}

export async function ratelimitSet(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', all: 'boolean', 'per-minute': 'string', off: 'boolean', from: 'string' });
  if (Boolean(f.operator) === Boolean(f.all)) throw new UsageError('give --operator <siren> or --all');
  if (Boolean(f['per-minute']) === Boolean(f.off)) throw new UsageError('give --per-minute <n> or --off');
  const perMinute = f.off ? null : Number(f['per-minute']);
  if (perMinute !== null && (!Number.isInteger(perMinute) || perMinute < 1)) throw new UsageError(`--per-minute must be a positive integer, got "${f['per-minute']}"`);
  const who = f.all ? null : siren(f.operator as string, 'operator');
  const from = parseInstant(required(f, 'from'), 'from');
  await withDb(config, async (db) => {
    const r = await rules(() => recordRateLimit(db.pool, { siren: who, perMinute, effectiveFrom: from }, new Date()));
    out(`rate limit for ${who ?? 'every operator'}: ${perMinute === null ? 'off' : `${perMinute} requests per minute`} from ${parisIso(from)}; ${r.notices} operator notice(s) queued`);
  });
}

export async function ratelimitList(config: Config, argv: string[], out: Out): Promise<void> {
  flags(argv, {});
  await withDb(config, async (db) => {
    for (const r of await listLimits(db.pool)) out(`${r.siren ?? 'all'} ${r.perMinute ?? 'off'} from ${parisIso(r.effectiveFrom)}`);
  });
}
