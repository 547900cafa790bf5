import { mkdirSync, writeFileSync, copyFileSync, readFileSync, existsSync, renameSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join, resolve } from 'node:path';
import pino from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { ensureDevPki, initClientCa, loadCa, pkiFiles, providerCaFiles, retireClientCaFiles, rotateClientCa } from '../pki/devPki.js';
import { fingerprintOf, issueClientCert, issueServerCert, normaliseFingerprint, type CaMaterial } from '../pki/certs.js';
import { checkCaCert, checkCaPair, checkCsr, checkRecognised, checkServerPair, PkiRefusal, toP12 } from '../pki/checks.js';
import { currentCrl } from '../pki/crl.js';
import {
  audit, currentActor, deleteApprovedCa, dueRenewals, getCertificate, hasActiveSuccessor, insertApprovedCa, insertCertificate,
  listApprovedCas, listAudit, setSuspended, sweep, activeCertificatesByIssuer,
} from '../pki/store.js';
import { findOperator } from '../domain/operators/repo.js';
import { listCertificates, revokeCertificate } from '../domain/operators/certificates.js';
import { withDb, type Out } from './commands.js';
import { flags, required, scope, siren, UsageError } from './args.js';

// Lifecycle actions are logged (stderr, JSON) besides being recorded in pki_audit.
const log = pino({ level: process.env.ESAV_LOG_LEVEL ?? 'info', base: { pid: process.pid, role: 'cli' } }, pino.destination({ fd: 2, sync: true }));

/** PKI refusals are the operator's or ops' input to fix: usage errors (exit 2). */
async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PkiRefusal) throw new UsageError(err.message);
    throw err;
  }
}

function fingerprintFlag(raw: string, flag = 'fingerprint'): string {
  const fp = normaliseFingerprint(raw);
  if (!/^[0-9a-f]{64}$/.test(fp)) throw new UsageError(`--${flag} must be a SHA-256 (64 hex digits, colons allowed), got "${raw}"`);
  return fp;
}

function daysFlag(v: string | boolean | undefined, dflt = 365): number {
  const days = v === undefined ? dflt : Number(v);
  if (!Number.isInteger(days) || days < 1 || days > 825) throw new UsageError('--days must be a whole number from 1 to 825');
  return days;
}

function readInput(path: string, what: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

function currentCa(config: Config): CaMaterial {
  const pki = ensureDevPki(config.certsDir, [config.serverName]);
  const ca = loadCa(pki.clientCaCert, pki.clientCaKey);
  checkCaPair(ca);
  return ca;
}

/** Tells every gateway process to rebuild its TLS context (files changed in the certs folder). */
async function notifyTls(db: Database, why: string): Promise<void> {
  await db.pool.query("SELECT pg_notify('esav_tls', $1)", [why]);
}

async function operatorName(db: Database, s: string): Promise<string> {
  const op = await findOperator(db.pool, s);
  if (!op) throw new UsageError(`operator ${s} does not exist: add it with esav operator add`);
  return op.name;
}

// ---- cert ----

export async function certIssue(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', scope: 'string', out: 'string', days: 'string', p12: 'string', 'passphrase-file': 'string' });
  const s = siren(required(f, 'operator'), 'operator');
  const sc = scope(required(f, 'scope'));
  const dir = resolve(required(f, 'out', 'the folder to write client.key, client.crt and ca.crt'));
  const days = daysFlag(f.days);
  const p12 = f.p12 as string | undefined;
  let passphrase: string | undefined;
  if (p12 !== undefined) {
    // Never on the command line (visible in ps and shell history): from a file.
    passphrase = readInput(required(f, 'passphrase-file', 'a file holding the PKCS#12 passphrase'), 'passphrase file').replace(/\r?\n$/, '');
    if (passphrase.length < 8) throw new UsageError('the PKCS#12 passphrase must have at least 8 characters');
  }
  const ca = currentCa(config);
  const pki = pkiFiles(config.certsDir);
  await withDb(config, (db) =>
    refusals(async () => {
      const name = await operatorName(db, s);
      const issued = issueClientCert(ca, { siren: s, operatorName: name, scope: sc, days });
      const rec = await insertCertificate(db.pool, { siren: s, scope: sc, pem: issued.certPem, source: 'provider' });
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'client.key'), issued.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'client.crt'), issued.certPem);
      copyFileSync(pki.serverCaCert, join(dir, 'ca.crt'));
      const written = [join(dir, 'client.key'), join(dir, 'client.crt'), join(dir, 'ca.crt')];
      if (p12 !== undefined) {
        writeFileSync(resolve(p12), toP12(issued.keyPem, issued.certPem, [ca.certPem], passphrase!, `esav-${sc}-${s}`), { mode: 0o600 });
        written.push(resolve(p12));
      }
      await audit(db.pool, { actor: currentActor(), action: 'issue', siren: s, fingerprint: rec.fingerprint, details: { scope: sc, notAfter: rec.notAfter.toISOString(), serial: rec.serial, p12: p12 !== undefined } }, log);
      out(`certificate issued for ${s} (${sc}), valid until ${rec.notAfter.toISOString()}`);
      out(`fingerprint ${rec.fingerprint}`);
      out(`wrote ${written.join(', ')}`);
    }),
  );
}

export async function certSign(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', scope: 'string', csr: 'string', out: 'string', days: 'string' });
  const s = siren(required(f, 'operator'), 'operator');
  const sc = scope(required(f, 'scope'));
  const csrPem = readInput(required(f, 'csr', 'the operator\'s PEM certificate request'), 'CSR');
  const outFile = resolve(required(f, 'out', 'the file to write the signed certificate to'));
  const days = daysFlag(f.days);
  const ca = currentCa(config);
  await withDb(config, (db) =>
    refusals(async () => {
      const { publicKeyPem, bits } = checkCsr(csrPem);
      const name = await operatorName(db, s);
      // The subject is ours (SIREN, scope), not the CSR's: the operator only proves key possession.
      const issued = issueClientCert(ca, { siren: s, operatorName: name, scope: sc, days, publicKeyPem });
      const rec = await insertCertificate(db.pool, { siren: s, scope: sc, pem: issued.certPem, source: 'provider' });
      writeFileSync(outFile, issued.certPem);
      await audit(db.pool, { actor: currentActor(), action: 'sign', siren: s, fingerprint: rec.fingerprint, details: { scope: sc, keyBits: bits, notAfter: rec.notAfter.toISOString(), serial: rec.serial } }, log);
      out(`CSR signed for ${s} (${sc}), valid until ${rec.notAfter.toISOString()}`);
      out(`fingerprint ${rec.fingerprint}`);
      out(`wrote ${outFile}`);
    }),
  );
}

export async function certRegister(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string', scope: 'string', file: 'string', renews: 'string' });
  const s = siren(required(f, 'operator'), 'operator');
  const sc = scope(required(f, 'scope'));
  const pem = readInput(required(f, 'file', 'the operator\'s certificate (PEM)'), 'certificate');
  const renews = f.renews === undefined ? undefined : fingerprintFlag(f.renews as string, 'renews');
  await withDb(config, (db) =>
    refusals(async () => {
      await operatorName(db, s);
      const { caFingerprint } = checkRecognised(pem, await listApprovedCas(db.pool));
      if (renews) {
        const old = await getCertificate(db.pool, renews);
        if (!old || old.siren !== s || old.scope !== sc) throw new PkiRefusal(`--renews ${renews} is not a certificate of ${s} (${sc})`);
      }
      const rec = await insertCertificate(db.pool, { siren: s, scope: sc, pem, source: 'recognised', renews });
      await audit(db.pool, { actor: currentActor(), action: 'register', siren: s, fingerprint: rec.fingerprint, details: { scope: sc, ca: caFingerprint, renews: renews ?? null, notAfter: rec.notAfter.toISOString() } }, log);
      out(`certificate registered for ${s} (${sc}), valid until ${rec.notAfter.toISOString()}`);
      out(`fingerprint ${rec.fingerprint}`);
    }),
  );
}

export async function certRevoke(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { fingerprint: 'string', reason: 'string' });
  const fp = fingerprintFlag(required(f, 'fingerprint', 'SHA-256 hex, with or without colons'));
  const reason = (f.reason as string | undefined) ?? 'revoked by ops';
  await withDb(config, async (db) => {
    const rec = await revokeCertificate(db.pool, fp, reason);
    if (!rec) throw new UsageError(`no certificate with fingerprint ${fp}: see esav cert list`);
    await audit(db.pool, { actor: currentActor(), action: 'revoke', siren: rec.siren, fingerprint: fp, details: { reason, serial: rec.serial } }, log);
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

export async function certDue(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { within: 'string' });
  const within = f.within === undefined ? 0 : Number(f.within);
  if (!Number.isInteger(within) || within < 0 || within > 3650) throw new UsageError('--within must be a whole number of calendar days from 0 to 3650');
  await withDb(config, async (db) => {
    const rows = await dueRenewals(db.pool, new Date(), within);
    out(['fingerprint', 'siren', 'operator', 'scope', 'source', 'not_after', 'renewal_date', 'state', 'deadline', 'switch_to_recognised_by'].join('\t'));
    for (const r of rows) {
      out([r.fingerprint, r.siren, r.operatorName, r.scope, r.source === 'provider' ? 'provider CA' : 'recognised CA', r.notAfter.toISOString(), r.renewalDate.toISOString(),
        r.overdue ? 'overdue' : 'due', r.deadline, r.switchDeadline ? r.switchDeadline.toISOString().slice(0, 10) : '-'].join('\t'));
    }
  });
}

export async function certRenew(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { fingerprint: 'string', out: 'string', days: 'string', csr: 'string' });
  const fp = fingerprintFlag(required(f, 'fingerprint'));
  const dir = resolve(required(f, 'out', 'the folder to write the successor to'));
  const days = daysFlag(f.days);
  const csrPem = f.csr === undefined ? undefined : readInput(f.csr as string, 'CSR');
  const ca = currentCa(config);
  const pki = pkiFiles(config.certsDir);
  await withDb(config, (db) =>
    refusals(async () => {
      const old = await getCertificate(db.pool, fp);
      if (!old) throw new UsageError(`no certificate with fingerprint ${fp}: see esav cert list`);
      if (old.source !== 'provider') throw new PkiRefusal(`certificate ${fp} comes from a recognised CA: the operator sends its successor (esav cert register --renews ${fp})`);
      if (old.status !== 'active') throw new PkiRefusal(`certificate ${fp} is ${old.status}: only an active certificate is renewed`);
      const already = await hasActiveSuccessor(db.pool, fp);
      if (already) throw new PkiRefusal(`certificate ${fp} was already renewed by ${already}`);
      const publicKeyPem = csrPem ? checkCsr(csrPem).publicKeyPem : undefined;
      const issued = issueClientCert(ca, { siren: old.siren, operatorName: old.operatorName, scope: old.scope, days, publicKeyPem });
      const rec = await insertCertificate(db.pool, { siren: old.siren, scope: old.scope, pem: issued.certPem, source: 'provider', renews: fp });
      mkdirSync(dir, { recursive: true });
      const written = [join(dir, 'client.crt'), join(dir, 'ca.crt')];
      if (issued.keyPem) {
        writeFileSync(join(dir, 'client.key'), issued.keyPem, { mode: 0o600 });
        written.unshift(join(dir, 'client.key'));
      }
      writeFileSync(join(dir, 'client.crt'), issued.certPem);
      copyFileSync(pki.serverCaCert, join(dir, 'ca.crt'));
      await audit(db.pool, { actor: currentActor(), action: 'renew', siren: old.siren, fingerprint: rec.fingerprint, details: { renews: fp, scope: old.scope, notAfter: rec.notAfter.toISOString() } }, log);
      out(`certificate ${fp} renewed: successor valid until ${rec.notAfter.toISOString()}; both are accepted until the successor is first used or ${old.notAfter.toISOString()}`);
      out(`fingerprint ${rec.fingerprint}`);
      out(`wrote ${written.join(', ')}`);
    }),
  );
}

export async function certSweep(config: Config, _argv: string[], out: Out): Promise<void> {
  await withDb(config, async (db) => {
    const r = await sweep(db.pool, new Date(), log);
    for (const s of r.superseded) out(`superseded ${s.fingerprint} (${s.siren}): expired after renewal`);
    for (const d of r.disabled) out(`disabled ${d.fingerprint} (${d.siren}): unused since ${d.lastUsedAt?.toISOString() ?? 'never used'}`);
    out(`${r.superseded.length} superseded, ${r.disabled.length} disabled`);
  });
}

// ---- ca ----

export async function caInit(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { force: 'boolean' });
  ensureDevPki(config.certsDir, [config.serverName]);
  let ca: CaMaterial;
  try {
    ca = initClientCa(config.certsDir, f.force === true);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const fp = fingerprintOf(ca.certPem);
  await withDb(config, async (db) => {
    await audit(db.pool, { actor: currentActor(), action: 'ca-init', fingerprint: fp, details: { forced: f.force === true } }, log);
    await notifyTls(db, 'ca-init');
  });
  out(`client CA created: ${pkiFiles(config.certsDir).clientCaCert}`);
  out(`fingerprint ${fp}`);
}

export async function caApprove(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { file: 'string' });
  const pem = readInput(required(f, 'file', 'the recognised CA certificate (PEM)'), 'CA certificate');
  await withDb(config, (db) =>
    refusals(async () => {
      const x = checkCaCert(pem);
      const fp = await insertApprovedCa(db.pool, x, pem, currentActor());
      await audit(db.pool, { actor: currentActor(), action: 'approve', fingerprint: fp, details: { subject: x.subject.replace(/\n/g, ', '), notAfter: new Date(x.validTo).toISOString() } }, log);
      out(`CA approved: ${x.subject.replace(/\n/g, ', ')}`);
      out(`fingerprint ${fp}`);
    }),
  );
}

export async function caUnapprove(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { fingerprint: 'string' });
  const fp = fingerprintFlag(required(f, 'fingerprint'));
  await withDb(config, async (db) => {
    if (!(await deleteApprovedCa(db.pool, fp))) throw new UsageError(`no approved CA with fingerprint ${fp}: see esav ca list`);
    await audit(db.pool, { actor: currentActor(), action: 'unapprove', fingerprint: fp }, log);
    out(`CA ${fp} removed from the approved list`);
  });
}

export async function caList(config: Config, _argv: string[], out: Out): Promise<void> {
  ensureDevPki(config.certsDir, [config.serverName]);
  await withDb(config, async (db) => {
    out(['fingerprint', 'kind', 'subject', 'not_after'].join('\t'));
    for (const c of providerCaFiles(config.certsDir)) {
      const x = new X509Certificate(readFileSync(c.cert));
      out([fingerprintOf(x), c.current ? 'provider (issuing)' : 'provider (previous)', x.subject.replace(/\n/g, ', '), new Date(x.validTo).toISOString()].join('\t'));
    }
    for (const a of await listApprovedCas(db.pool)) out([a.fingerprint, 'recognised', a.subject, a.notAfter.toISOString()].join('\t'));
  });
}

export async function caCrl(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { out: 'string' });
  const file = resolve(required(f, 'out', 'the file to write the CRL (PEM) to'));
  ensureDevPki(config.certsDir, [config.serverName]);
  await withDb(config, async (db) => {
    writeFileSync(file, await currentCrl(db.pool, config.certsDir));
    out(`wrote ${file}`);
  });
}

export async function caRotate(config: Config, _argv: string[], out: Out): Promise<void> {
  const pki = ensureDevPki(config.certsDir, [config.serverName]);
  const oldFp = fingerprintOf(readFileSync(pki.clientCaCert, 'utf8'));
  const ca = rotateClientCa(config.certsDir, oldFp.slice(0, 16));
  const fp = fingerprintOf(ca.certPem);
  await withDb(config, async (db) => {
    await audit(db.pool, { actor: currentActor(), action: 'ca-rotate', fingerprint: fp, details: { previous: oldFp } }, log);
    await notifyTls(db, 'ca-rotate');
  });
  out(`new issuing client CA ${fp}; the previous one (${oldFp}) stays trusted`);
  out('next: esav ca reissue --out <dir>, deliver the certificates, then esav ca retire --fingerprint ' + oldFp);
}

export async function caReissue(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { out: 'string' });
  const dir = resolve(required(f, 'out', 'the folder to write the re-issued certificates to'));
  const ca = currentCa(config);
  const current = new X509Certificate(ca.certPem);
  let count = 0;
  await withDb(config, (db) =>
    refusals(async () => {
      mkdirSync(dir, { recursive: true });
      for (const c of providerCaFiles(config.certsDir).filter((c) => !c.current)) {
        const issuer = new X509Certificate(readFileSync(c.cert)).subject.replace(/\n/g, ', ');
        for (const old of await activeCertificatesByIssuer(db.pool, issuer)) {
          if (old.source !== 'provider' || (await hasActiveSuccessor(db.pool, old.fingerprint))) continue;
          // Same key (the operator keeps it), same subject and end date, under the new CA.
          const x = new X509Certificate(old.pem);
          const issued = issueClientCert(ca, { siren: old.siren, operatorName: old.operatorName, scope: old.scope, notAfter: old.notAfter, publicKeyPem: x.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
          const rec = await insertCertificate(db.pool, { siren: old.siren, scope: old.scope, pem: issued.certPem, source: 'provider', renews: old.fingerprint });
          const file = join(dir, `${old.siren}-${old.scope}-${rec.fingerprint.slice(0, 16)}.crt`);
          writeFileSync(file, issued.certPem);
          await audit(db.pool, { actor: currentActor(), action: 'renew', siren: old.siren, fingerprint: rec.fingerprint, details: { renews: old.fingerprint, why: 'ca-rotation', ca: fingerprintOf(current) } }, log);
          out(`${old.fingerprint} -> ${rec.fingerprint} ${file}`);
          count++;
        }
      }
      out(`${count} certificate(s) re-issued under ${fingerprintOf(current)}`);
    }),
  );
}

export async function caRetire(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { fingerprint: 'string', force: 'boolean' });
  const fp = fingerprintFlag(required(f, 'fingerprint'));
  ensureDevPki(config.certsDir, [config.serverName]);
  const file = providerCaFiles(config.certsDir).find((c) => fingerprintOf(readFileSync(c.cert, 'utf8')) === fp);
  if (!file) throw new UsageError(`no provider client CA with fingerprint ${fp}: see esav ca list`);
  if (file.current) throw new UsageError('this is the issuing CA: rotate first (esav ca rotate)');
  await withDb(config, async (db) => {
    const issuer = new X509Certificate(readFileSync(file.cert)).subject.replace(/\n/g, ', ');
    const left = [];
    for (const c of await activeCertificatesByIssuer(db.pool, issuer)) if (!(await hasActiveSuccessor(db.pool, c.fingerprint))) left.push(c);
    if (left.length && f.force !== true) {
      throw new UsageError(`${left.length} active certificate(s) from this CA have no successor (first: ${left[0]!.fingerprint} of ${left[0]!.siren}): run esav ca reissue, or --force`);
    }
    const moved = retireClientCaFiles(config.certsDir, file.cert);
    await audit(db.pool, { actor: currentActor(), action: 'ca-retire', fingerprint: fp, details: { movedTo: moved, forced: f.force === true } }, log);
    await notifyTls(db, 'ca-retire');
    out(`CA ${fp} retired (no longer trusted); files kept in ${moved}`);
  });
}

// ---- server certificate ----

export async function serverCertRotate(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { cert: 'string', key: 'string', days: 'string' });
  const pki = ensureDevPki(config.certsDir, [config.serverName]);
  const caPem = readFileSync(pki.serverCaCert, 'utf8');
  let certPem: string;
  let keyPem: string;
  if (f.cert !== undefined || f.key !== undefined) {
    certPem = readInput(required(f, 'cert', 'the new server certificate'), 'server certificate');
    keyPem = readInput(required(f, 'key', 'the new server key'), 'server key');
  } else {
    if (!existsSync(pki.serverCaKey)) throw new UsageError('no server CA key here: give the new pair with --cert and --key');
    const old = new X509Certificate(readFileSync(pki.serverCert));
    const dns = (old.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
    const issued = issueServerCert(loadCa(pki.serverCaCert, pki.serverCaKey), dns.length ? dns : [config.serverName, 'localhost'], ['127.0.0.1', '::1'], daysFlag(f.days, 397));
    certPem = issued.certPem;
    keyPem = issued.keyPem;
  }
  let x: X509Certificate;
  try {
    x = checkServerPair(certPem, keyPem, [caPem]);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; the current server certificate stays in service`);
  }
  // Key first, then certificate, each by rename: a reader sees either pair whole, or a mismatch
  // it refuses (the gateway checks the pair before swapping) until the second rename lands.
  writeFileSync(pki.serverKey + '.new', keyPem, { mode: 0o600 });
  writeFileSync(pki.serverCert + '.new', certPem);
  renameSync(pki.serverKey + '.new', pki.serverKey);
  renameSync(pki.serverCert + '.new', pki.serverCert);
  const fp = fingerprintOf(x);
  await withDb(config, async (db) => {
    await audit(db.pool, { actor: currentActor(), action: 'rotate', fingerprint: fp, details: { what: 'server certificate', notAfter: new Date(x.validTo).toISOString() } }, log);
    await notifyTls(db, 'server-cert');
  });
  out(`server certificate rotated: ${fp}, valid until ${new Date(x.validTo).toISOString()}`);
}

// ---- operators ----

async function suspendOrResume(config: Config, argv: string[], out: Out, suspend: boolean): Promise<void> {
  const f = flags(argv, { siren: 'string', reason: 'string' });
  const s = siren(required(f, 'siren'));
  const reason = required(f, 'reason', suspend ? 'why (security incident, annexe 2)' : 'why access is restored');
  await withDb(config, async (db) => {
    await operatorName(db, s);
    if (!(await setSuspended(db.pool, s, suspend, reason))) throw new UsageError(`operator ${s} is ${suspend ? 'already suspended' : 'not suspended'}`);
    await audit(db.pool, { actor: currentActor(), action: suspend ? 'suspend' : 'resume', siren: s, details: { reason } }, log);
    out(suspend ? `operator ${s} suspended: all its certificates are refused, open connections closed` : `operator ${s} resumed`);
  });
}

export const operatorSuspend = (config: Config, argv: string[], out: Out) => suspendOrResume(config, argv, out, true);
export const operatorResume = (config: Config, argv: string[], out: Out) => suspendOrResume(config, argv, out, false);

export async function auditCmd(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { operator: 'string' });
  const s = f.operator === undefined ? undefined : siren(f.operator as string, 'operator');
  await withDb(config, async (db) => {
    out(['at', 'actor', 'action', 'siren', 'fingerprint', 'details'].join('\t'));
    for (const a of await listAudit(db.pool, s)) out([a.at.toISOString(), a.actor, a.action, a.siren ?? '-', a.fingerprint ?? '-', JSON.stringify(a.details)].join('\t'));
  });
}

