import { resolve } from 'node:path';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { INTEGRATION_DEFAULTS as INT, integrationDatabaseUrl, platformSettings, type PlatformSettings } from './integration/settings.js';
import { mailSettings, type MailSettings } from './notices/settings.js';

export type Mode = 'production' | 'integration';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  adminPort: number;
  adminHost: string;
  dataDir: string;
  certsDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  maxBodyBytes: number;
  dbPoolSize: number;
  dbStatementTimeoutMs: number;
  logLevel: string;
  serverName: string;
  workers: number;
  /** The provider's SIREN: sirenOI of the Interop'Fibre headers. */
  providerSiren: string;
  /** Addresses of TLS-terminating proxies allowed to forward the client certificate (empty: off). */
  trustedProxies: string[];
  /** The header they forward it in (Envoy: x-forwarded-client-cert; nginx: e.g. x-ssl-client-cert). */
  proxyCertHeader: string;
  /** Nightly maintenance window (Paris wall clock, article 11); null: none. */
  maintenanceNightly: { hour: number; minute: number; minutes: number } | null;
  /** Validation before production, integration platform (src/integration/settings.ts). */
  platform: PlatformSettings;
  /** Notices by e-mail: SMTP or .eml files, retries, support address (src/notices/settings.ts). */
  mail: MailSettings;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}=${raw} is invalid: expected an integer between ${min} and ${max}`);
  }
  return n;
}

function siren(env: NodeJS.ProcessEnv, name: string, dflt: string): string {
  const v = env[name] || dflt;
  if (!/^[0-9]{9}$/.test(v)) throw new Error(`${name}=${v} is invalid: expected a SIREN of 9 digits`);
  return v;
}

function nightly(env: NodeJS.ProcessEnv, name: string, dflt: string): Config['maintenanceNightly'] {
  const v = env[name] || dflt;
  if (v === 'off') return null;
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])\/([0-9]{1,3})$/.exec(v);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 240) throw new Error(`${name}=${v} is invalid: expected HH:MM/<minutes 1-240> (Paris time) or off`);
  return { hour: Number(m[1]), minute: Number(m[2]), minutes: Number(m[3]) };
}

// Every setting, from the environment, validated once at start: a bad value stops the process
// with a message naming the variable instead of failing later on a request.
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const mode = (env.ESAV_MODE ?? 'production') as Mode;
  if (mode !== 'production' && mode !== 'integration') {
    throw new Error(`ESAV_MODE=${env.ESAV_MODE} is invalid: expected production or integration`);
  }
  // The integration platform has its own ports, embedded cluster and database (docs/integration-guide.md).
  const integration = mode === 'integration';
  const baseDataDir = resolve(env.ESAV_DATA_DIR ?? './.data');
  const dataDir = integration ? join(baseDataDir, INT.dataSubdir) : baseDataDir;
  const pgPort = int(env, 'ESAV_PG_PORT', 5439, 1, 65534);
  return {
    mode,
    port: int(env, 'ESAV_PORT', integration ? INT.port : 8443, 0, 65535),
    host: env.ESAV_HOST ?? '0.0.0.0',
    adminPort: int(env, 'ESAV_ADMIN_PORT', integration ? INT.adminPort : 9464, 0, 65535),
    adminHost: env.ESAV_ADMIN_HOST ?? '127.0.0.1',
    dataDir,
    certsDir: resolve(env.ESAV_CERTS_DIR ?? './certs'),
    databaseUrl: integration ? integrationDatabaseUrl(env) : env.DATABASE_URL || undefined,
    embeddedPgPort: integration ? pgPort + INT.pgPortOffset : pgPort,
    maxBodyBytes: int(env, 'ESAV_MAX_BODY_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    dbPoolSize: int(env, 'ESAV_DB_POOL', 20, 1, 500),
    dbStatementTimeoutMs: int(env, 'ESAV_DB_STATEMENT_TIMEOUT_MS', 5000, 100, 600000),
    logLevel: env.ESAV_LOG_LEVEL ?? 'info',
    serverName: env.ESAV_SERVER_NAME ?? 'localhost',
    workers: int(env, 'ESAV_WORKERS', cpus().length, 1, 64),
    providerSiren: siren(env, 'ESAV_PROVIDER_SIREN', '411111112'),
    trustedProxies: (env.ESAV_TRUSTED_PROXIES ?? '').split(',').map((a) => a.trim()).filter(Boolean),
    proxyCertHeader: (env.ESAV_PROXY_CERT_HEADER || 'x-forwarded-client-cert').toLowerCase(),
    maintenanceNightly: nightly(env, 'ESAV_MAINTENANCE_NIGHTLY', '03:45/15'),
    platform: platformSettings(env, mode, pgPort),
    mail: mailSettings(env, dataDir, env.ESAV_SERVER_NAME ?? 'localhost'),
  };
}
