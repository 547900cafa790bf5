import { embeddedUrl } from '../db/embedded.js';

/**
 * Settings of the two platforms (article 5.2.1): the production gateway and the integration
 * platform (`esav serve --integration`, ESAV_MODE=integration). See docs/integration-guide.md.
 */
export interface PlatformSettings {
  /** Production: a domain's calls are refused until the operator validated it (ESAV_REQUIRE_VALIDATION, default on). */
  requireValidation: boolean;
  /**
   * Integration mode: the production database, where the operators' validations are recorded.
   * DATABASE_URL when set; otherwise the embedded production cluster (reached only while it runs).
   */
  productionDatabaseUrl?: string;
  /** Integration mode: pause between two moves of a scenario ticket (ESAV_INTEGRATION_STEP_MS). */
  scenarioStepMs: number;
}

/** Default ports and folder of the integration platform, so both platforms run on one machine. */
export const INTEGRATION_DEFAULTS = { port: 8444, adminPort: 9465, dataSubdir: 'integration', pgPortOffset: 1 } as const;

function onOff(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`${name}=${v} is invalid: expected on or off`);
}

/**
 * The integration platform's own database: ESAV_INTEGRATION_DATABASE_URL, else DATABASE_URL's
 * server with the database name suffixed `_integration` (created on first use); undefined: the
 * embedded integration cluster (ESAV_DATA_DIR/integration, ESAV_PG_PORT + 1).
 */
export function integrationDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env.ESAV_INTEGRATION_DATABASE_URL || undefined;
  if (explicit) {
    if (env.DATABASE_URL && sameDatabase(explicit, env.DATABASE_URL)) {
      throw new Error('ESAV_INTEGRATION_DATABASE_URL must name another database than DATABASE_URL (production)');
    }
    return explicit;
  }
  if (!env.DATABASE_URL) return undefined;
  const u = new URL(env.DATABASE_URL);
  const name = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'esav';
  u.pathname = `/${encodeURIComponent(`${name}_integration`)}`;
  return u.toString();
}

function sameDatabase(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.hostname === y.hostname && (x.port || '5432') === (y.port || '5432') && x.pathname === y.pathname;
}

export function platformSettings(env: NodeJS.ProcessEnv, mode: 'production' | 'integration', productionPgPort: number): PlatformSettings {
  const raw = env.ESAV_INTEGRATION_STEP_MS;
  const step = raw === undefined || raw === '' ? 2000 : Number(raw);
  if (!Number.isInteger(step) || step < 10 || step > 600_000) throw new Error(`ESAV_INTEGRATION_STEP_MS=${raw} is invalid: expected an integer between 10 and 600000`);
  return {
    requireValidation: onOff(env, 'ESAV_REQUIRE_VALIDATION', true),
    productionDatabaseUrl: mode === 'integration' ? env.DATABASE_URL || embeddedUrl(productionPgPort) : undefined,
    scenarioStepMs: step,
  };
}
