import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { addDayOff, insertTechnician, listTechnicians } from '../domain/appointments/repo.js';
import { flags, required, UsageError } from './args.js';
import type { Out } from './commands.js';

const INSEE = /^[0-9][0-9AB][0-9]{3}$/;

async function withDb<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function minutes(hhmm: string, flag: string): number {
  const m = /^([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(hhmm);
  if (!m || (m[1] === '24' && m[2] !== '00')) throw new UsageError(`${flag}: expected HH:MM, got "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export interface TechnicianSpec {
  name: string;
  zones: string[];
  types?: string[];
  weekdays?: number[];
  hours?: string;
  daysOff?: string[];
}

function parseSpec(s: TechnicianSpec): { name: string; zones: string[]; types: string[]; weekdays: number[]; startMinute: number; endMinute: number; daysOff: string[] } {
  if (!s.name) throw new UsageError('a technician needs a name');
  const zones = s.zones ?? [];
  if (!zones.length || zones.some((z) => !INSEE.test(z))) throw new UsageError(`${s.name}: zones must be INSEE codes (e.g. 75056,2A004), got "${zones.join(',')}"`);
  const types = s.types ?? ['S', 'E'];
  if (!types.length || types.some((t) => t !== 'S' && t !== 'E')) throw new UsageError(`${s.name}: types are S (SAV) and/or E (expertise), got "${types.join(',')}"`);
  const weekdays = s.weekdays ?? [1, 2, 3, 4, 5];
  if (!weekdays.length || weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) throw new UsageError(`${s.name}: weekdays are 1 (Monday) to 7 (Sunday)`);
  const [from, to] = (s.hours ?? '08:00-18:00').split('-');
  const startMinute = minutes(from ?? '', '--hours');
  const endMinute = minutes(to ?? '', '--hours');
  if (endMinute <= startMinute) throw new UsageError(`${s.name}: hours must end after they start`);
  const daysOff = s.daysOff ?? [];
  for (const d of daysOff) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new UsageError(`${s.name}: day off "${d}" is not YYYY-MM-DD`);
  return { name: s.name, zones, types, weekdays, startMinute, endMinute, daysOff };
}

function weekdayList(v: string): number[] {
  const m = /^([1-7])-([1-7])$/.exec(v);
  if (m) return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  return v.split(',').map(Number);
}

/** esav planning technician add --name <n> --zones <insee,...> [--types S,E] [--weekdays 1-5] [--hours 08:00-18:00] */
export async function technicianAdd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { name: 'string', zones: 'string', types: 'string', weekdays: 'string', hours: 'string' });
  const spec = parseSpec({
    name: required(f, 'name'),
    zones: required(f, 'zones', 'INSEE codes separated by commas').split(','),
    types: f.types ? String(f.types).split(',') : undefined,
    weekdays: f.weekdays ? weekdayList(String(f.weekdays)) : undefined,
    hours: f.hours as string | undefined,
  });
  await withDb(config, (db) => insertTechnician(db.pool, spec));
  out(`technician ${spec.name}: zones ${spec.zones.join(',')}, types ${spec.types.join(',')}, weekdays ${spec.weekdays.join(',')}`);
}

/** esav planning day-off --name <n> --date YYYY-MM-DD */
export async function dayOff(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { name: 'string', date: 'string' });
  const name = required(f, 'name');
  const date = required(f, 'date', 'YYYY-MM-DD');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new UsageError(`--date must be YYYY-MM-DD, got "${date}"`);
  const ok = await withDb(config, (db) => addDayOff(db.pool, name, date));
  if (!ok) throw new UsageError(`no technician named ${name}: see esav planning list`);
  out(`${name} is off on ${date}`);
}

/** esav planning load --file <json>: [{ name, zones, types?, weekdays?, hours?, daysOff? }, ...] */
export async function planningLoad(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { file: 'string' });
  const file = required(f, 'file', 'a JSON array of technicians');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new UsageError(`${file}: expected a JSON array of technicians`);
  const specs = raw.map((s) => parseSpec(s as TechnicianSpec));
  await withDb(config, async (db) => {
    for (const s of specs) {
      await insertTechnician(db.pool, s);
      for (const d of s.daysOff) await addDayOff(db.pool, s.name, d);
    }
  });
  out(`${specs.length} technician(s) loaded from ${file}`);
}

/** esav planning list [--zone <insee>] */
export async function planningList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { zone: 'string' });
  const rows = await withDb(config, (db) => listTechnicians(db.pool, f.zone as string | undefined));
  out(['name', 'zones', 'types', 'weekdays', 'hours', 'days_off'].join('\t'));
  const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  for (const r of rows) out([r.name, r.zones.join(','), r.types.join(','), r.weekdays.join(','), `${hm(r.startMinute)}-${hm(r.endMinute)}`, r.daysOff.join(',')].join('\t'));
}
