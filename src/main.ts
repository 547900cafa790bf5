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
import { TicketStateCache } from './domain/tickets/stateCache.js';
import { ConnectionTracker } from './transport/connections.js';
import { TlsContextManager, type ReloadOutcome } from './transport/tls.js';
import { PkiMonitor, pkiMetrics } from './pki/monitor.js';
import { currentCrl } from './pki/crl.js';
import { createSoapListener } from './transport/app.js';
import { createAdminApp } from './transport/admin.js';
import type { ServiceBinding } from './soap/binding.js';
import { TicketService, type DepositGuard, type FormPolicy } from './domain/tickets/service.js';
import { loadCatalogues, formForOffer, type CatalogueRegistry } from './catalogue/index.js';
import { signalisationBinding } from './domain/tickets/handlers.js';
import { AppointmentService } from './domain/appointments/service.js';
import { rdvFtthBinding } from './domain/appointments/handlers.js';
import { appointmentPurgeJob } from './domain/appointments/jobs.js';
import { createPool } from './db/pool.js';
import { WorkService } from './domain/works/service.js';
import { travauxFtthBinding } from './domain/works/handlers.js';
import { LateQueue, TestService } from './domain/tests/service.js';
import { RecentTestGuard } from './domain/tests/guard.js';
import { testBinding } from './domain/tests/handlers.js';
import { createNetworkDriver, networkSettings } from './network/settings.js';

export interface Gateway {
  port: number;
  adminPort: number;
  db: Database;
  registry: ServiceRegistry;
  log: Logger;
  /** The areas' services, for in-process tests and tools. */
  services: { tickets: TicketService; appointments: AppointmentService };
  /** Re-reads the server pair and trusted CAs, checks them, swaps them in (SIGHUP, tests). */
  reloadTls(reason: string): Promise<ReloadOutcome>;
  close(): Promise<void>;
}

function bindings(list: ServiceBinding[]): Map<string, ServiceBinding> {
  return new Map(list.map((b) => [b.service, b]));
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
export interface GatewayOptions {
  /** Tests pin the business clock (slots, holds, blackout, purge); production uses the system clock. */
  clock?: () => Date;
}

export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel), opts: GatewayOptions = {}): Promise<Gateway> {
  const clock = opts.clock ?? (() => new Date());
  const db = await openDatabase(config);
  const closers: Array<() => Promise<void>> = [() => db.close()];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    ensureDevPki(config.certsDir, [config.serverName]);
    const registry = loadRegistry();
    closers.push(async () => registry.dispose());
    const hub = new NotificationHub(db.url, ['esav_identity', 'esav_prestation', 'esav_tls', 'esav_ticket'], log);
    await hub.start();
    closers.push(() => hub.close());
    const identity = new IdentityResolver(db.pool, hub, log);

    // Rules of other areas that a deposit must satisfy (line tests, FTTH appointments).
    const depositGuards: DepositGuard[] = [];
    // Queued and scheduled work of every area (pg-boss), started once the areas are built.
    const jobs: JobDefinition[] = [];
    const catalogues = loadCatalogues();
    closers.push(async () => catalogues.dispose());
    const tickets = new TicketService(db.pool, { clock, forms: formPolicy(catalogues), prestations: new PrestationCache(db.pool, hub), states: new TicketStateCache(db.pool, hub), guards: depositGuards });

    const ephemeral = createPool(db.url, 4, config.dbStatementTimeoutMs, { synchronousCommit: 'off' });
    closers.push(() => ephemeral.end());
    const appointments = new AppointmentService(db.pool, ephemeral, clock);
    depositGuards.push(appointments.depositGuard());
    jobs.push(appointmentPurgeJob(appointments, log));
    // A gateway that was down at the scheduled time still purges the nights it missed.
    await appointments.purge();
    // e-SAV Test and planned works (issue #5): tests run from the job queue, attached after start.
    const works = new WorkService(db.pool, { clock });
    const network = networkSettings();
    const testQueue = new LateQueue();
    const lineTests = new TestService(db.pool, {
      driver: createNetworkDriver(network), prestations: new PrestationCache(db.pool, hub), works, queue: testQueue, clock,
      driverTimeoutMs: network.timeoutMs, deadlineMs: network.testDeadlineMs, log,
    });
    depositGuards.push(new RecentTestGuard(db.pool, hub));
    jobs.push(...lineTests.jobs());
    const app = createSoapListener({
      catalogues,
      deps: { registry, bindings: bindings([signalisationBinding(tickets, catalogues), rdvFtthBinding(appointments, config.providerSiren, clock), testBinding(lineTests), travauxFtthBinding(works)]), identity, log, maxBodyBytes: config.maxBodyBytes },
      fallbackHost: `${config.serverName}:${config.port}`,
    });
    const boss = await startJobs(db.url, jobs, log);
    closers.push(() => boss.stop({ graceful: true, wait: true, timeout: 10_000 }));
    testQueue.attach(boss);
    closers.push(() => lineTests.drain());

    // TLS context hot swap (NOTIFY esav_tls, SIGHUP via cluster.ts, new files in the certs folder).
    const tlsContext = new TlsContextManager(config.certsDir, db.pool, log);
    const server = https.createServer(await tlsContext.initialOptions(), app);
    tlsContext.attach(server, hub);
    tlsContext.watchFolder();
    closers.push(async () => tlsContext.close());
    const pkiMonitor = new PkiMonitor(db.pool, () => tlsContext.current(), log);
    pkiMonitor.start();
    closers.push(async () => pkiMonitor.stop());
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

    const admin = http.createServer(createAdminApp({ pool: db.pool, registry, tickets, pki: { crlPem: () => currentCrl(db.pool, config.certsDir), metrics: () => pkiMetrics(db.pool, tlsContext.current()) } }));
    const adminPort = await listen(admin, config.adminPort, config.adminHost);
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          admin.close(() => resolve());
          admin.closeAllConnections();
        }),
    );
    log.info({ port, adminPort, mode: config.mode, versions: registry.list().map((v) => `${v.service}/${v.version}`) }, 'e-SAV gateway listening');
    return { port, adminPort, db, registry, log, services: { tickets, appointments }, reloadTls: (reason) => tlsContext.reload(reason), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
