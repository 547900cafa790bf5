import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { ensureDevPki, loadCa } from '../pki/devPki.js';
import { issueClientCert, normaliseFingerprint } from '../pki/certs.js';
import { findOperator, insertOperator, insertPrestation, listOfferCodes, offerExists } from '../domain/operators/repo.js';
import { listCertificates, registerCertificate, revokeCertificate } from '../domain/operators/certificates.js';
import { flags, required, scope, siren, UsageError } from './args.js';

export type Out = (line: string) => void;

async function withDb<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
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
  const f = flags(argv, { siren: 'string', name: 'string', quadrigram: 'string' });
  const s = siren(required(f, 'siren'));
  const name = required(f, 'name');
  const q = f.quadrigram as string | undefined;
  if (q !== undefined && !/^[A-Z0-9]{4}$/.test(q)) throw new UsageError(`--quadrigram must be 4 capital letters or digits, got "${q}"`);
  await withDb(config, (db) => guardPg(() => insertOperator(db.pool, s, name, q)));
  out(`operator ${s} (${name}) added`);
}

export async function prestationAdd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', id: 'string', offer: 'string', 'ref-pto': 'string', 'end-a': 'string', 'end-z': 'string', info: 'string' });
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
      }),
    );
  });
  out(`prestation ${id} (${offer}) added to operator ${s}`);
}

export async function certIssue(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', scope: 'string', out: 'string', days: 'string' });
  const s = siren(required(f, 'operator'), 'operator');
  const sc = scope(required(f, 'scope'));
  const dir = resolve(required(f, 'out', 'the folder to write client.key, client.crt and ca.crt'));
  const days = f.days === undefined ? 365 : Number(f.days);
  if (!Number.isInteger(days) || days < 1 || days > 825) throw new UsageError('--days must be a whole number from 1 to 825');
  const pki = ensureDevPki(config.certsDir, [config.serverName]);
  await withDb(config, async (db) => {
    const op = await findOperator(db.pool, s);
    if (!op) throw new UsageError(`operator ${s} does not exist: add it with esav operator add`);
    const issued = issueClientCert(loadCa(pki.clientCaCert, pki.clientCaKey), { siren: s, operatorName: op.name, scope: sc, days });
    const rec = await registerCertificate(db.pool, s, sc, issued.certPem, 'provider');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'client.key'), issued.keyPem, { mode: 0o600 });
    writeFileSync(join(dir, 'client.crt'), issued.certPem);
    copyFileSync(pki.serverCaCert, join(dir, 'ca.crt'));
    out(`certificate issued for ${s} (${sc}), valid until ${rec.notAfter.toISOString()}`);
    out(`fingerprint ${rec.fingerprint}`);
    out(`wrote ${join(dir, 'client.key')}, ${join(dir, 'client.crt')}, ${join(dir, 'ca.crt')}`);
  });
}

export async function certRevoke(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { fingerprint: 'string', reason: 'string' });
  const raw = required(f, 'fingerprint', 'SHA-256 hex, with or without colons');
  const fp = normaliseFingerprint(raw);
  if (!/^[0-9a-f]{64}$/.test(fp)) throw new UsageError(`--fingerprint must be a SHA-256 (64 hex digits, colons allowed), got "${raw}"`);
  await withDb(config, async (db) => {
    const rec = await revokeCertificate(db.pool, fp, (f.reason as string | undefined) ?? 'revoked by ops');
    if (!rec) throw new UsageError(`no certificate with fingerprint ${fp}: see esav cert list`);
    out(`certificate ${fp} of ${rec.siren} (${rec.scope}) revoked`);
  });
}

export async function certList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string' });
  const s = f.operator === undefined ? undefined : siren(f.operator as string, 'operator');
  await withDb(config, async (db) => {
    const rows = await listCertificates(db.pool, s);
    out(['fingerprint', 'siren', 'scope', 'status', 'source', 'not_after'].join('\t'));
    for (const r of rows) out([r.fingerprint, r.siren, r.scope, r.status, r.source, r.notAfter.toISOString()].join('\t'));
  });
}

export async function migrateCmd(config: Config, _argv: string[], out: Out): Promise<void> {
  await withDb(config, async () => undefined);
  out('migrations applied');
}
