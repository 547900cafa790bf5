import type { Config } from '../config.js';
import { addCalendarDays, parseIsoDate } from '../calendar/isoDate.js';
import { parisDate } from '../calendar/paris.js';
import { findOperator } from '../domain/operators/repo.js';
import { dailyCounts, VOLUMETRY_KINDS, type VolumetryKind } from '../metrics/volumetry.js';
import { flags, siren, UsageError } from './args.js';
import { withDb, type Out } from './commands.js';

/** Days shown when --from is not given: the last 30 Paris days, today included. */
const DEFAULT_DAYS = 30;
/** Longest period asked at once (a year and a day: leap years). */
const MAX_DAYS = 366;

function day(v: string, flag: string): string {
  try {
    parseIsoDate(v);
    return v;
  } catch {
    throw new UsageError(`--${flag} must be a date YYYY-MM-DD, got "${v}"`);
  }
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;

/**
 * esav stats [--operator <siren>] [--from YYYY-MM-DD] [--to YYYY-MM-DD]: the article 7 counts per
 * Paris day and operator, one row each, with a total row. Counts of a running gateway reach the
 * table within a second (docs/metrics.md).
 */
export async function statsCmd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', from: 'string', to: 'string' });
  const operator = f.operator === undefined ? undefined : siren(String(f.operator), 'operator');
  const to = f.to === undefined ? parisDate(new Date()) : day(String(f.to), 'to');
  const from = f.from === undefined ? addCalendarDays(to, 1 - DEFAULT_DAYS) : day(String(f.from), 'from');
  if (from > to) throw new UsageError(`--from (${from}) is after --to (${to})`);
  if (daysBetween(from, to) > MAX_DAYS) throw new UsageError(`at most ${MAX_DAYS} days at once; narrow --from/--to (asked ${from} to ${to})`);
  const rows = await withDb(config, async (db) => {
    if (operator && !(await findOperator(db.pool, operator))) throw new UsageError(`operator ${operator} is not registered (esav operator add)`);
    return dailyCounts(db.pool, from, to, operator);
  });
  out(`requests counted (contract article 7), Paris days ${from} to ${to}${operator ? `, operator ${operator}` : ', all operators'}`);
  if (rows.length === 0) {
    out('no request counted');
    return;
  }
  const header = ['day', 'operator', ...VOLUMETRY_KINDS, 'total'];
  const total = Object.fromEntries(VOLUMETRY_KINDS.map((k) => [k, 0])) as Record<VolumetryKind, number>;
  const table = rows.map((r) => {
    for (const k of VOLUMETRY_KINDS) total[k] += r.counts[k];
    return [r.day, r.siren, ...VOLUMETRY_KINDS.map((k) => String(r.counts[k])), String(VOLUMETRY_KINDS.reduce((n, k) => n + r.counts[k], 0))];
  });
  table.push(['total', '', ...VOLUMETRY_KINDS.map((k) => String(total[k])), String(VOLUMETRY_KINDS.reduce((n, k) => n + total[k], 0))]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  out(line(header));
  for (const row of table) out(line(row));
}
