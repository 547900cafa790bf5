import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { DomainError } from '../domain/errors.js';
import { WorkService, type NewWork, type WorkUpdate } from '../domain/works/service.js';
import { EQUIPMENTS, NATURES, type Work, type WorkState } from '../domain/works/repo.js';
import { flags, required, UsageError, type Flags } from './args.js';
import type { Out } from './commands.js';

async function withWorks<T>(config: Config, fn: (s: WorkService) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(new WorkService(db.pool));
  } catch (err) {
    if (err instanceof DomainError) throw new UsageError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}

const FIELDS = {
  type: 'string', equipment: 'string', pm: 'string', 'pm-prestation': 'string', start: 'string', end: 'string',
  'intervention-oc': 'string', curative: 'string', nature: 'string', prestations: 'string', plugs: 'string', pbo: 'string',
  pmt: 'string', buildings: 'string', comment: 'string', 'oc-comment': 'string', contact: 'string', incident: 'string',
  public: 'string', state: 'string',
} as const;

function date(f: Flags, name: string): Date | undefined {
  const v = f[name] as string | undefined;
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date-time (e.g. 2026-12-01T22:00:00+01:00), got "${v}"`);
  return d;
}

function list(f: Flags, name: string): string[] | undefined {
  const v = f[name] as string | undefined;
  return v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean);
}

function yesNo(f: Flags, name: string): boolean | undefined {
  const v = f[name] as string | undefined;
  if (v === undefined) return undefined;
  if (!['oui', 'non', 'yes', 'no', 'true', 'false'].includes(v.toLowerCase())) throw new UsageError(`--${name} must be oui or non, got "${v}"`);
  return ['oui', 'yes', 'true'].includes(v.toLowerCase());
}

function oneOf<T extends string>(f: Flags, name: string, allowed: readonly T[]): T | undefined {
  const v = f[name] as string | undefined;
  if (v !== undefined && !allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T | undefined;
}

function fields(f: Flags): WorkUpdate {
  const out: WorkUpdate = {
    equipment: oneOf(f, 'equipment', EQUIPMENTS),
    pmRef: f.pm as string | undefined,
    pmPrestationRef: f['pm-prestation'] as string | undefined,
    startsAt: date(f, 'start'),
    endsAt: date(f, 'end'),
    interventionRequired: yesNo(f, 'intervention-oc'),
    curative: yesNo(f, 'curative'),
    nature: oneOf(f, 'nature', NATURES),
    impactedPrestations: list(f, 'prestations'),
    impactedPlugs: list(f, 'plugs'),
    pboRefs: list(f, 'pbo'),
    pmtRefs: list(f, 'pmt'),
    buildings: list(f, 'buildings'),
    comment: f.comment as string | undefined,
    operatorComment: f['oc-comment'] as string | undefined,
    contact: f.contact as string | undefined,
    incidentRef: f.incident as string | undefined,
    public: yesNo(f, 'public'),
  };
  for (const k of Object.keys(out) as (keyof WorkUpdate)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function line(w: Work): string {
  const when = `${w.startsAt?.toISOString() ?? '-'} .. ${w.endsAt?.toISOString() ?? '-'}`;
  return `${w.reference}\t${w.type}\t${w.state}\t${w.equipment} ${w.pmRef}\t${when}\t${w.public ? 'public' : `${w.impactedPrestations.length} prestation(s)`}`;
}

function reference(f: Flags, usage: string): string {
  const ref = (f._ as string | undefined)?.split(' ')[0];
  if (!ref) throw new UsageError(`give the works reference: ${usage}`);
  return ref;
}

/** esav travaux create <ref> --type TP|DERCO --equipment PM|PMT|PBO|LIENPMPBO --pm <ref> --pm-prestation <ref> [...] */
export async function travauxCreate(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, FIELDS);
  const ref = reference(f, 'esav travaux create <reference> --type TP|DERCO ...');
  const type = oneOf(f, 'type', ['TP', 'DERCO'] as const);
  if (!type) throw new UsageError('--type is required: TP (planned works) or DERCO (collective outage / incident)');
  if (!f.equipment) throw new UsageError(`--equipment is required: ${EQUIPMENTS.join(', ')}`);
  required(f, 'pm', 'the PM reference');
  required(f, 'pm-prestation', 'the PM prestation reference');
  if (f.state !== undefined) throw new UsageError('a new work is NOUVEAU: set its state later with esav travaux update');
  const w = await withWorks(config, (s) => s.create({ reference: ref, type, interventionRequired: false, ...fields(f) } as NewWork));
  out(`works ${w.reference} (${w.type}) recorded, state ${w.state}`);
}

/** esav travaux update <ref> [--state REPLANIFICATION|MAJ|CLOTURE|ANNULE] [--start ..] [--end ..] [...] */
export async function travauxUpdate(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, FIELDS);
  const ref = reference(f, 'esav travaux update <reference> [--state <state>] [fields]');
  if (f.type !== undefined) throw new UsageError('--type cannot change: record a new work');
  const patch = { ...fields(f), state: f.state as WorkState | undefined };
  if (patch.state === undefined) delete patch.state;
  if (Object.keys(patch).length === 0) throw new UsageError('nothing to update: give --state or a field (--start, --end, --comment, --prestations...)');
  const w = await withWorks(config, (s) => s.update(ref, patch));
  out(`works ${w.reference}: state ${w.state} at ${w.modifiedAt.toISOString()}`);
}

/** esav travaux close <ref> [--comment <text>] */
export async function travauxClose(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { comment: 'string' });
  const ref = reference(f, 'esav travaux close <reference>');
  const w = await withWorks(config, (s) => s.close(ref, f.comment as string | undefined));
  out(`works ${w.reference}: state ${w.state} at ${w.modifiedAt.toISOString()}`);
}

/** esav travaux list [--state <state>] */
export async function travauxList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { state: 'string' });
  const rows = await withWorks(config, (s) => s.list({ state: f.state as WorkState | undefined }));
  for (const w of rows) out(line(w));
  if (rows.length === 0) out('no works');
}

/** esav travaux impacted <ref>: the prestations a work impacts, with their operator. */
export async function travauxImpacted(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, {});
  const ref = reference(f, 'esav travaux impacted <reference>');
  const rows = await withWorks(config, async (s) => {
    if (!(await s.get(ref))) throw new DomainError('TRAVAUX_INCONNUS', `Aucuns travaux de référence ${ref}.`);
    return s.impacted(ref);
  });
  for (const r of rows) out(`${r.prestationId}\t${r.siren ?? '(not in any parc)'}\t${r.offerCode ?? '-'}`);
  if (rows.length === 0) out('no impacted prestation');
}
