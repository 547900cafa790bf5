import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { findOperator, insertOperator, insertPrestation, listOfferCodes, offerExists } from '../domain/operators/repo.js';
import { flags, required, siren, UsageError } from './args.js';
import { loadDataset, provision } from '../integration/dataset.js';
import { addContact, email, role } from './notices.js';

export type Out = (line: string) => void;

export async function withDb<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function pgMessage(err: unknown): string | undefined {
  const e = err as { code?: string; detail?: string; constraint?: string };
  if (e.code === '23505') return `already exists (${e.detail ?? e.constraint})`;
  if (e.code === '23503') return `refers to something that does not exist (${e.detail ?? e.constraint})`;
  if (e.code === '23514') return `value refused by a check (${e.constraint})`;
  return undefined;
}

async function guardPg<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const m = pgMessage(err);
    if (m) throw new UsageError(m);
    throw err;
  }
}

export async function operatorAdd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { siren: 'string', name: 'string', quadrigram: 'string', email: 'string', role: 'string' });
  const s = siren(required(f, 'siren'));
  const name = required(f, 'name');
  const q = f.quadrigram as string | undefined;
  if (q !== undefined && !/^[A-Z0-9]{4}$/.test(q)) throw new UsageError(`--quadrigram must be 4 capital letters or digits, got "${q}"`);
  const contact = f.email === undefined ? undefined : { email: email(f.email as string), role: role(f.role as string | undefined) };
  const made = await withDb(config, async (db) => {
    await guardPg(() => insertOperator(db.pool, s, name, q));
    // The integration platform gives every operator the test data set's prestations.
    return config.mode === 'integration' ? (await provision(db.pool, loadDataset(), s)).prestations : undefined;
  });
  if (contact) await addContact(config, s, contact.email, contact.role);
  out(`operator ${s} (${name}) added${made === undefined ? '' : ` to the integration platform, with ${made} test prestations (INT-${s}-...)`}${contact ? `, notices to ${contact.email}` : ''}`);
}

export async function prestationAdd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', id: 'string', offer: 'string', 'ref-pto': 'string', 'end-a': 'string', 'end-z': 'string', info: 'string', 'code-insee': 'string' });
  const insee = f['code-insee'] as string | undefined;
  if (insee !== undefined && !/^[0-9][0-9AB][0-9]{3}$/.test(insee)) throw new UsageError(`--code-insee must be an INSEE code (e.g. 75056, 2A004), got "${insee}"`);
  const s = siren(required(f, 'operator'), 'operator');
  const id = required(f, 'id', 'the identifiant de prestation');
  const offer = required(f, 'offer');
  await withDb(config, async (db) => {
    if (!(await findOperator(db.pool, s))) throw new UsageError(`operator ${s} does not exist: add it with esav operator add`);
    if (!(await offerExists(db.pool, offer))) throw new UsageError(`offer ${offer} does not exist; offers: ${(await listOfferCodes(db.pool)).join(', ')}`);
    await guardPg(() =>
      insertPrestation(db.pool, {
        prestationId: id,
        siren: s,
        offerCode: offer,
        refPto: f['ref-pto'] as string | undefined,
        endA: f['end-a'] as string | undefined,
        endZ: f['end-z'] as string | undefined,
        info: f.info as string | undefined,
        codeInsee: insee,
      }),
    );
  });
  out(`prestation ${id} (${offer}) added to operator ${s}`);
}

export async function migrateCmd(config: Config, _argv: string[], out: Out): Promise<void> {
  await withDb(config, async () => undefined);
  out('migrations applied');
}
