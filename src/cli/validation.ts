import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { findOperator } from '../domain/operators/repo.js';
import { audit, currentActor } from '../pki/store.js';
import { DOMAINS, isDomain, servicesOf, type Domain } from '../validation/domains.js';
import { listValidations, outboxOf, recordValidation, type OutboxRow, type ValidationRow } from '../validation/repo.js';
import { flags, required, siren, UsageError } from './args.js';
import type { Out } from './commands.js';

/** Validations live in the production database, whichever platform the command was aimed at. */
function productionConfig(config: Config): Config {
  return config.mode === 'production' ? config : loadConfig({ ...process.env, ESAV_MODE: 'production' });
}

function how(v: ValidationRow): string {
  const d = v.details as Record<string, string | undefined>;
  if (v.how === 'platform') return `integration platform: ${d.service} ${d.version} ${d.operation}, request ${d.requestId}`;
  if (v.how === 'manual') return `recorded by hand by ${v.actor} on ${v.recordedAt.toISOString()}: ${d.reason ?? ''}`;
  return `already in production when the rule came in (${v.actor})`;
}

/**
 * esav operator validation --siren <siren> [--record <domain>|all --reason <text>] [--json]
 * Where the operator stands per domain (article 5.2.1), or a validation recorded by hand for an
 * integration campaign run elsewhere (audited).
 */
export async function operatorValidation(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { siren: 'string', record: 'string', reason: 'string', json: 'boolean' });
  const s = siren(required(f, 'siren'));
  const record = f.record as string | undefined;
  let domains: Domain[] = [];
  if (record !== undefined) {
    domains = record === 'all' ? [...DOMAINS] : record.split(',').map((d) => d.trim()) as Domain[];
    const bad = domains.filter((d) => !isDomain(d));
    if (bad.length || !domains.length) throw new UsageError(`--record takes a domain (${DOMAINS.join(', ')}) or all, got "${record}"`);
    required(f, 'reason', 'why it is recorded by hand, e.g. "campagne sur la plate-forme d\'intégration du 12/11, PV 2026-118"');
  } else if (f.reason !== undefined) {
    throw new UsageError('--reason goes with --record <domain>');
  }
  const prod = await openDatabase(productionConfig(config));
  let rows: ValidationRow[];
  let name: string | undefined;
  try {
    for (const domain of domains) {
      const actor = currentActor();
      const reason = f.reason as string;
      const created = await recordValidation(prod.pool, { siren: s, domain, validatedAt: new Date(), how: 'manual', actor, details: { reason } });
      if (created) await audit(prod.pool, { actor, action: 'validation-record', siren: s, details: { domain, reason } });
      if (!f.json) out(created ? `operator ${s}: ${domain} validated (recorded by hand)` : `operator ${s}: ${domain} was already validated: first record kept`);
    }
    rows = await listValidations(prod.pool, s);
    name = (await findOperator(prod.pool, s))?.name;
  } finally {
    await prod.close();
  }
  // On the integration platform, first successes not yet delivered to production (it was down).
  let pending: OutboxRow[] = [];
  if (config.mode === 'integration') {
    const int = await openDatabase(config);
    try {
      pending = (await outboxOf(int.pool, s)).filter((r) => !r.deliveredAt);
    } finally {
      await int.close();
    }
  }
  if (f.json) {
    const byDomain = Object.fromEntries(DOMAINS.map((d) => {
      const v = rows.find((r) => r.domain === d);
      return [d, v ? { validated: true, validatedAt: v.validatedAt, how: v.how, actor: v.actor, details: v.details, recordedAt: v.recordedAt } : { validated: false, pendingDelivery: pending.some((p) => p.domain === d) }];
    }));
    out(JSON.stringify({ siren: s, registeredInProduction: name !== undefined, enforced: config.platform.requireValidation, domains: byDomain }, null, 2));
    return;
  }
  if (!domains.length) out(`operator ${s}${name ? ` (${name})` : ' (not registered in production yet)'}`);
  for (const d of DOMAINS) {
    const v = rows.find((r) => r.domain === d);
    const p = pending.find((r) => r.domain === d);
    if (v) out(`${d.padEnd(14)} validated      ${v.validatedAt.toISOString()}  ${how(v)}`);
    else if (p) out(`${d.padEnd(14)} NOT VALIDATED  -  succeeded on the integration platform at ${p.validatedAt.toISOString()}, not yet delivered to production (${p.lastError ?? 'pending'}); retried every 10 s`);
    else out(`${d.padEnd(14)} NOT VALIDATED  -  production refuses ${servicesOf(d).join(', ')} (OPERATEUR_NON_VALIDE) until one successful call of this domain on the integration platform, or esav operator validation --record ${d}`);
  }
  if (!config.platform.requireValidation) out('(ESAV_REQUIRE_VALIDATION=off in this environment: production does not enforce it)');
}
