// esav soutien list|show|comment|close: the provider's e-soutien desk (docs/notices.md).
import type { Config } from '../config.js';
import { flags, required, siren, UsageError, type Flags } from './args.js';
import { withDb, type Out } from './commands.js';
import { DomainError } from '../domain/errors.js';
import { SoutienService } from '../domain/soutien/service.js';
import type { SoutienState } from '../domain/soutien/repo.js';
import { parisIso } from '../guards/maintenance.js';

async function desk<T>(config: Config, fn: (s: SoutienService) => Promise<T>): Promise<T> {
  return withDb(config, async (db) => {
    try {
      return await fn(new SoutienService(db.pool, { supportEmail: config.mail.supportEmail }));
    } catch (err) {
      if (err instanceof DomainError) throw new UsageError(`${err.code}: ${err.message}`);
      throw err;
    }
  });
}

function reference(f: Flags): [string, string] {
  const p = typeof f._ === 'string' ? f._ : '';
  const i = p.indexOf(' ');
  return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
}

export async function soutienList(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { state: 'string', operator: 'string' });
  const state = f.state as string | undefined;
  if (state !== undefined && state !== 'OUVERT' && state !== 'CLOS') throw new UsageError(`--state must be OUVERT or CLOS, got "${state}"`);
  const op = f.operator ? siren(f.operator as string, 'operator') : undefined;
  await desk(config, async (s) => {
    for (const t of await s.listAll({ state: state as SoutienState | undefined, siren: op, limit: 1000 })) {
      out(`${t.reference} ${t.state} ${t.siren} ${t.category} opened ${parisIso(t.openedAt)} handling from ${parisIso(t.handlingFrom)}` +
        `${t.closedAt ? ` closed ${parisIso(t.closedAt)}` : ''} "${t.subject}"`);
    }
  });
}

export async function soutienShow(config: Config, argv: string[], out: Out): Promise<void> {
  const [ref] = reference(flags(argv, {}));
  if (!ref) throw new UsageError('expected <reference>');
  await desk(config, async (s) => {
    const { ticket: t, messages } = await s.detail(ref);
    out(`${t.reference} ${t.state} operator ${t.siren} (${t.operatorName}) contact ${t.contactEmail}`);
    out(`category ${t.category}${t.service ? ` service ${t.service}${t.serviceVersion ? ` ${t.serviceVersion}` : ''}` : ''}${t.requestId ? ` request ${t.requestId}` : ''}`);
    out(`opened ${parisIso(t.openedAt)}, handling from ${parisIso(t.handlingFrom)}`);
    out(`subject: ${t.subject}`);
    out(`description: ${t.description}`);
    for (const m of messages) out(`${parisIso(m.at)} ${m.author}${m.agent ? ` (${m.agent})` : ''}: ${m.text}`);
    if (t.closedAt) out(`closed ${parisIso(t.closedAt)} by ${t.closedBy}: ${t.resolution}`);
  });
}

export async function soutienComment(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { agent: 'string' });
  const [ref, text] = reference(f);
  if (!ref || !text.trim()) throw new UsageError('expected <reference> <text> (the message e-mailed to the ticket\'s contact)');
  await desk(config, async (s) => {
    await s.comment(ref, `soutien:${(f.agent as string | undefined) ?? 'cli'}`, text);
    out(`message added to ${ref}; e-mailed to the ticket's contact`);
  });
}

export async function soutienClose(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { resolution: 'string', agent: 'string' });
  const [ref, extra] = reference(f);
  if (!ref || extra) throw new UsageError('expected one <reference>');
  const resolution = required(f, 'resolution', 'the resolution report sent to the operator');
  await desk(config, async (s) => {
    const t = await s.close(ref, `soutien:${(f.agent as string | undefined) ?? 'cli'}`, resolution);
    out(`${t.reference} closed at ${parisIso(t.closedAt!)}; resolution report e-mailed to ${t.contactEmail}`);
  });
}
