import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { offerExists } from '../domain/operators/repo.js';
import { offerTestTypes, setOfferTests, setTestRequired, testTypes } from '../domain/tests/repo.js';
import { volumetry } from '../metrics/volumetry.js';
import { flags, required, siren, UsageError } from './args.js';
import type { Out } from './commands.js';

async function withOffer(config: Config, offer: string, fn: (pool: Awaited<ReturnType<typeof openDatabase>>['pool']) => Promise<void>): Promise<void> {
  const db = await openDatabase(config);
  try {
    if (!(await offerExists(db.pool, offer))) throw new UsageError(`offer ${offer} does not exist`);
    await fn(db.pool);
  } finally {
    await db.close();
  }
}

/** esav offer tests --offer <code> [--set T1,T2 | --none]: the remote tests open for an offer. */
export async function offerTests(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { offer: 'string', set: 'string', none: 'boolean' });
  const offer = required(f, 'offer');
  await withOffer(config, offer, async (pool) => {
    if (f.set !== undefined || f.none) {
      const wanted = f.none ? [] : String(f.set).split(',').map((x) => x.trim()).filter(Boolean);
      const known = (await testTypes(pool)).map((t) => t.code as string);
      const bad = wanted.filter((w) => !known.includes(w));
      if (bad.length) throw new UsageError(`unknown test type(s) ${bad.join(', ')}; types: ${known.join(', ')}`);
      await setOfferTests(pool, offer, wanted);
    }
    const now = await offerTestTypes(pool, offer);
    out(now.length ? `${offer}: ${now.map((t) => t.code).join(', ')}` : `${offer}: no remote test`);
  });
}

/** esav offer test-required --offer <code> (--within-minutes <n> | --within-hours <n> | --off) */
export async function offerTestRequired(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { offer: 'string', 'within-minutes': 'string', 'within-hours': 'string', off: 'boolean' });
  const offer = required(f, 'offer');
  const given = [f['within-minutes'] !== undefined, f['within-hours'] !== undefined, !!f.off].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give exactly one of --within-minutes <n>, --within-hours <n>, --off');
  let minutes: number | null = null;
  if (!f.off) {
    const raw = (f['within-minutes'] ?? f['within-hours']) as string;
    const n = Number(raw);
    minutes = f['within-hours'] !== undefined ? n * 60 : n;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10080) throw new UsageError(`the window must be a whole number of minutes from 1 to 10080 (7 days), got "${raw}"`);
  }
  await withOffer(config, offer, async (pool) => {
    await setTestRequired(pool, offer, minutes);
  });
  out(minutes === null ? `${offer}: deposits no longer need a recent test` : `${offer}: deposits need a finished test within the last ${minutes} minutes`);
}

/** esav volumetry --operator <siren> [--from YYYY-MM-DD] [--to YYYY-MM-DD] */
export async function volumetryCmd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', from: 'string', to: 'string' });
  const s = siren(required(f, 'operator'), 'operator');
  const today = new Date().toISOString().slice(0, 10);
  const from = (f.from as string | undefined) ?? today.slice(0, 8) + '01';
  const to = (f.to as string | undefined) ?? today;
  for (const d of [from, to]) if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new UsageError(`dates are YYYY-MM-DD, got "${d}"`);
  const db = await openDatabase(config);
  try {
    const rows = await volumetry(db.pool, s, from, to);
    for (const r of rows) out(`${r.day}\t${r.kind}\t${r.count}`);
    if (rows.length === 0) out('no request counted');
  } finally {
    await db.close();
  }
}
