import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/main.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { esavOk } from './cli.js';
import { validateNewOperators } from './validation.js';
import { ConnectionDispatcher } from '../../src/transport/handoff.js';

export interface ClientCreds {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
  fingerprint: string;
}

export interface TestGateway {
  gw: Gateway;
  config: Config;
  /** Environment for the `esav` command and for further gateway processes on the same data. */
  env: NodeJS.ProcessEnv;
  dir: string;
  db: TestDatabase;
  base: string;
  logLines: string[];
  issue(siren: string, scope: 'esav' | 'ftth', name?: string): ClientCreds;
  close(): Promise<void>;
}

/**
 * Starts the real gateway in this process on an ephemeral port, with its own database and PKI.
 * Operators made in a production gateway's database are validated on creation (support/validation.ts)
 * unless `validateOperators` is false.
 */
export async function startTestGateway(extraEnv: NodeJS.ProcessEnv = {}, options: GatewayOptions & { validateOperators?: boolean } = {}): Promise<TestGateway> {
  const { validateOperators = true, ...opts } = options;
  // handedConnections: as a process of a several-process esav serve, fed by a dispatcher on the port (src/transport/handoff.ts).
  let dispatcher: ConnectionDispatcher | undefined;
  if (opts.handedConnections) {
    dispatcher = new ConnectionDispatcher(() => undefined);
    extraEnv = { ...extraEnv, ESAV_PORT: String(await dispatcher.listen(0, '127.0.0.1')) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'esav-gw-'));
  chmodSync(dir, 0o755);
  const db = await freshDatabase();
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: db.url,
    ESAV_CERTS_DIR: join(dir, 'certs'),
    ESAV_DATA_DIR: join(dir, 'data'),
    ESAV_PORT: '0',
    ESAV_ADMIN_PORT: '0',
    ESAV_HOST: '127.0.0.1',
    ESAV_LOG_LEVEL: 'info',
    // Suites on the real clock must not fall into the nightly maintenance window (tested on its own).
    ESAV_MAINTENANCE_NIGHTLY: 'off',
    ...extraEnv,
  };
  const config = loadConfig(env);
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const gw = await startGateway(config, pino({ level: 'info' }, sink), opts).catch((err: unknown) => {
    dispatcher?.close();
    throw err;
  });
  dispatcher?.add({ id: 0, take: (socket, done) => (gw.accept(socket), done(null)) });
  if (validateOperators && config.mode === 'production') {
    try {
      await validateNewOperators(config.databaseUrl!);
    } catch (err) {
      await gw.close();
      throw err;
    }
  }
  return {
    gw,
    config,
    env,
    dir,
    db,
    base: `https://localhost:${gw.port}`,
    logLines,
    issue(siren, scope, name = `Operator ${siren}`) {
      const out = join(dir, `client-${siren}-${scope}-${Math.random().toString(36).slice(2, 8)}`);
      // The operator may exist already: add it only when missing.
      try {
        esavOk(env, 'operator', 'add', '--siren', siren, '--name', name);
      } catch (err) {
        if (!/already exists/.test((err as Error).message)) throw err;
      }
      const stdout = esavOk(env, 'cert', 'issue', '--operator', siren, '--scope', scope, '--out', out);
      const fingerprint = /fingerprint ([0-9a-f]{64})/.exec(stdout)![1]!;
      return {
        key: readFileSync(join(out, 'client.key')),
        cert: readFileSync(join(out, 'client.crt')),
        ca: readFileSync(join(out, 'ca.crt')),
        fingerprint,
      };
    },
    async close() {
      dispatcher?.close();
      await gw.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
