import https from 'node:https';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openDatabase, type Database } from './db/database.js';
import { ensureDevPki } from './pki/devPki.js';
import { loadRegistry, type ServiceRegistry } from './soap/registry.js';
import { IdentityResolver } from './identity/resolver.js';
import { startJobs, type JobDefinition } from './jobs/boss.js';
import { NotificationHub } from './db/notifications.js';
import { PrestationCache } from './domain/tickets/prestationCache.js';
import { ConnectionTracker } from './transport/connections.js';
import { serverTlsOptions } from './transport/tls.js';
import { createSoapListener } from './transport/app.js';
import { createAdminApp } from './transport/admin.js';
import type { ServiceBinding } from './soap/binding.js';
import { TicketService, type DepositGuard, type FormPolicy } from './domain/tickets/service.js';
import { loadCatalogues, formForOffer, type CatalogueRegistry } from './catalogue/index.js';
import { signalisationBinding } from './domain/tickets/handlers.js';

export interface Gateway {
  port: number;
  adminPort: number;
  db: Database;
  registry: ServiceRegistry;
  log: Logger;
  close(): Promise<void>;
}

function bindings(tickets: TicketService, catalogues: CatalogueRegistry): Map<string, ServiceBinding> {
  return new Map([signalisationBinding(tickets, catalogues)].map((b) => [b.service, b]));
}

/** Forms an offer requires: those of the newest live catalogue. */
function formPolicy(catalogues: CatalogueRegistry): FormPolicy {
  return {
    requiredForm(offerCode) {
      const newest = catalogues.live().at(-1);
      const form = newest && formForOffer(catalogues, newest.version, offerCode);
      return form && newest ? { catalogue: newest.version, code: form.code } : undefined;
    },
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Composition root: config -> db -> pki -> registry -> identity -> apps -> listen. */
export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Gateway> {
  const db = await openDatabase(config);
  const closers: Array<() => Promise<void>> = [() => db.close()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    ensureDevPki(config.certsDir, [config.serverName]);
    const registry = loadRegistry();
    closers.push(async () => registry.dispose());
    const hub = new NotificationHub(db.url, ['esav_identity', 'esav_prestation'], log);
    await hub.start();
    closers.push(() => hub.close());
    const identity = new IdentityResolver(db.pool, hub);

    // Rules of other areas that a deposit must satisfy (line tests, FTTH appointments).
    const depositGuards: DepositGuard[] = [];
    // Queued and scheduled work of every area (pg-boss), started once the areas are built.
    const jobs: JobDefinition[] = [];
    const catalogues = loadCatalogues();
    closers.push(async () => catalogues.dispose());
    const tickets = new TicketService(db.pool, { forms: formPolicy(catalogues), prestations: new PrestationCache(db.pool, hub), guards: depositGuards });
    const app = createSoapListener({
      catalogues,
      deps: { registry, bindings: bindings(tickets, catalogues), identity, log, maxBodyBytes: config.maxBodyBytes },
      fallbackHost: `${config.serverName}:${config.port}`,
    });
    const boss = await startJobs(db.url, jobs, log);
    closers.push(() => boss.stop({ graceful: true, wait: true, timeout: 10_000 }));

    const server = https.createServer(serverTlsOptions(config.certsDir), app);
    // Bounded waits: a slow or idle client cannot hold a connection forever.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.keepAliveTimeout = 60_000;
    const tracker = new ConnectionTracker(identity);
    server.on('secureConnection', (socket: TLSSocket) => tracker.track(socket));
    server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake refused'));
    const port = await listen(server, config.port, config.host);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5000).unref();
        }),
    );

    const admin = http.createServer(createAdminApp({ pool: db.pool, registry, tickets }));
    const adminPort = await listen(admin, config.adminPort, config.adminHost);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          admin.close(() => resolve());
          admin.closeAllConnections();
        }),
    );
    log.info({ port, adminPort, mode: config.mode, versions: registry.list().map((v) => `${v.service}/${v.version}`) }, 'e-SAV gateway listening');
    return { port, adminPort, db, registry, log, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
