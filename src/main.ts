import https from 'node:https';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Config } from './config.js';
import { createAccessLogger, createLogger, type Logger } from './log.js';
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
import { HandedConnections } from './transport/handoff.js';
import type { ServiceBinding } from './soap/binding.js';
import { TicketService, type DepositGuard, type FormPolicy } from './domain/tickets/service.js';
import { formForOffer, type CatalogueRegistry } from './catalogue/index.js';
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
import { seedFromArtefacts } from './lifecycle/versions.js';
import { LifecycleView } from './lifecycle/view.js';
import { LifecycleCatalogues } from './lifecycle/catalogues.js';
import { MaintenanceGuard } from './guards/maintenance.js';
import { RateLimiter } from './guards/rateLimit.js';
import { GatewayMetrics } from './metrics/index.js';
import { searchBlackoutPolicy, startPlatform, VALIDATION_CHANNEL, type PlatformMode } from './integration/platform.js';
import { SoutienService } from './domain/soutien/service.js';
import { soutienBinding } from './domain/soutien/handlers.js';
import { createDelivery, OutboxSender } from './notices/sender.js';
import { noticeScanJob, scanNotices } from './notices/scan.js';

export interface Gateway {
  port: number;
  /** The admin listener's port; undefined in a process that does not serve it (GatewayOptions.admin). */
  adminPort: number | undefined;
  /** Serves an operator's connection accepted by another part of the process (GatewayOptions.handedConnections). */
  accept(socket: Socket): void;
  db: Database;
  registry: ServiceRegistry;
  log: Logger;
  /** The areas' services, for in-process tests and tools. */
  services: { tickets: TicketService; appointments: AppointmentService; soutien: SoutienService };
  /** Live versions and catalogues, their dates (article 13); refresh() after a change in tests. */
  lifecycle: LifecycleView;
  /** Maintenance windows and rate limits (tests refresh them after an esav command). */
  guards: { maintenance: MaintenanceGuard; rateLimiter: RateLimiter };
  /** Validation gate (production) or data set, scenario engine and validation recorder (integration). */
  platform: PlatformMode;
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
  /** Tests shorten the connection limits to watch them act; production uses DEFAULT_SERVER_LIMITS. */
  limits?: Partial<ServerLimits>;
  /**
   * esav serve with several processes (src/cluster.ts): the operators' connections are handed in
   * through accept() instead of accepted on config.port, which the first process holds and
   * names in config.port.
   */
  handedConnections?: boolean;
  /** Whether this process serves the admin port (default true; with several processes, only the first). */
  admin?: boolean;
}

/**
 * What one connection may hold, per process (docs/scaling.md, "Connection limits"). Node checks
 * the headers and request timeouts every second (connectionsCheckingInterval), so a cut comes at
 * most one second after its bound.
 */
export interface ServerLimits {
  /** The TLS handshake (client certificate included) must complete within this. */
  handshakeTimeoutMs: number;
  /** From the first byte of a request to the end of its headers (slow-loris on headers). */
  headersTimeoutMs: number;
  /** From the first byte of a request to the end of its body (slow-loris on the body). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this, once a response was sent. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic at all (e.g. opened and never used) is closed after this. */
  idleTimeoutMs: number;
  /** Open connections per process; further ones are closed at once. */
  maxConnections: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 60_000,
  idleTimeoutMs: 120_000,
  maxConnections: 4_096,
};

export async function startGateway(config: Config, given?: Logger, opts: GatewayOptions = {}): Promise<Gateway> {
  // A logger given by the caller (tests) receives everything, access lines included.
  const log = given ?? createLogger(config.logLevel);
  // With a given logger the pipeline writes its access lines to it (deps.log); else by hand.
  const accessLog = given ? undefined : createAccessLogger(config.logLevel);
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
    const hub = new NotificationHub(db.url, ['esav_identity', 'esav_prestation', 'esav_tls', 'esav_ticket', 'esav_lifecycle', 'esav_planning', VALIDATION_CHANNEL, 'esav_outbox'], log);
    await hub.start();
    closers.push(() => hub.close());
    const identity = new IdentityResolver(db.pool, hub, log);

    // Rules of other areas that a deposit must satisfy (line tests, FTTH appointments).
    const depositGuards: DepositGuard[] = [];
    // Queued and scheduled work of every area (pg-boss), started once the areas are built.
    const jobs: JobDefinition[] = [];
    // Article 13: which versions and catalogues are live, and until when, is in PostgreSQL
    // (seeded from the manifests at first start); every process follows it on NOTIFY.
    await seedFromArtefacts(db.pool);
    const catalogues = new LifecycleCatalogues(clock);
    closers.push(async () => catalogues.dispose());
    const lifecycle = new LifecycleView(db.pool, clock, log, registry, catalogues);
    await lifecycle.start(hub);
    closers.push(async () => lifecycle.dispose());
    // Article 11 (maintenance windows) and article 7 (rate limits), checked before parsing.
    const maintenance = new MaintenanceGuard(db.pool, clock, config.maintenanceNightly, log);
    await maintenance.start(hub);
    const rateLimiter = new RateLimiter(db.pool, clock, log);
    await rateLimiter.start(hub);
    const tickets = new TicketService(db.pool, { clock, forms: formPolicy(catalogues), prestations: new PrestationCache(db.pool, hub), states: new TicketStateCache(db.pool, hub), guards: depositGuards });

    // Article 5.2.1: production's validation gate, or the integration platform (docs/integration-guide.md).
    const platform = await startPlatform(config, { db, hub, tickets, log, clock });
    closers.push(() => platform.close());
    depositGuards.push(...platform.depositGuards);

    const ephemeral = createPool(db.url, 4, config.dbStatementTimeoutMs, { synchronousCommit: 'off' });
    closers.push(() => ephemeral.end());
    const appointments = new AppointmentService(db.pool, ephemeral, clock, searchBlackoutPolicy(config), hub);
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
    // Notices by e-mail and e-soutien (issue 7): the scan enqueues, the sender sends (docs/notices.md).
    const soutien = new SoutienService(db.pool, { clock, supportEmail: config.mail.supportEmail, knownServices: () => [...new Set(registry.list().map((v) => v.service))] });
    jobs.push(noticeScanJob(db.pool, clock, log));
    await scanNotices(db.pool, clock()).catch((err: Error) => log.warn({ err: err.message }, 'notice scan at start failed'));
    // Article 7 volumetry and Prometheus metrics (docs/metrics.md); closed after the listeners, so the last calls are written.
    const metrics = new GatewayMetrics({ pool: db.pool, registry, clock, log, pki: () => pkiMetrics(db.pool, tlsContext.current()) });
    metrics.start();
    closers.push(() => metrics.close());
    const app = createSoapListener({
      catalogues,
      deps: { registry, bindings: bindings([signalisationBinding(tickets, catalogues), rdvFtthBinding(appointments, config.providerSiren, clock), testBinding(lineTests), travauxFtthBinding(works), soutienBinding(soutien)]), identity, log, accessLog, maxBodyBytes: config.maxBodyBytes,
        observe: metrics.observe,
        guards: {
          maintenance: () => maintenance.check(),
          version: (s, v) => lifecycle.checkVersion(s, v),
          rateLimit: (who) => rateLimiter.check(who),
          catalogueNotice: (payload) => lifecycle.catalogueNotice(payload),
          ...platform.guards,
        },
        proxy: config.trustedProxies.length
          ? { addresses: new Set(config.trustedProxies), header: config.proxyCertHeader, cas: () => tlsContext.trustedCas() }
          : undefined,
      },
      fallbackHost: `${config.serverName}:${config.port}`,
      lifecycle,
    });
    const queue = await startJobs(db.url, jobs, log);
    closers.push(() => queue.stop());
    testQueue.attach(queue.boss);
    closers.push(() => lineTests.drain());
    const outbox = new OutboxSender(db.pool, createDelivery(config.mail), config.mail, clock, log);
    outbox.start(hub);
    closers.push(() => outbox.stop());

    // TLS context hot swap (NOTIFY esav_tls, SIGHUP via cluster.ts, new files in the certs folder).
    const tlsContext = new TlsContextManager(config.certsDir, db.pool, log);
    const limits = { ...DEFAULT_SERVER_LIMITS, ...opts.limits };
    const server = https.createServer(
      { ...(await tlsContext.initialOptions()), handshakeTimeout: limits.handshakeTimeoutMs, headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: 1000 },
      app,
    );
    tlsContext.attach(server, hub);
    tlsContext.watchFolder();
    closers.push(async () => tlsContext.close());
    const pkiMonitor = new PkiMonitor(db.pool, () => tlsContext.current(), log);
    pkiMonitor.start();
    closers.push(async () => pkiMonitor.stop());
    // Bounded waits: a slow or idle client cannot hold a connection forever (ServerLimits).
    server.headersTimeout = limits.headersTimeoutMs;
    server.requestTimeout = limits.requestTimeoutMs;
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.timeout = limits.idleTimeoutMs;
    server.maxConnections = limits.maxConnections;
    const tracker = new ConnectionTracker(identity);
    server.on('secureConnection', (socket: TLSSocket) => tracker.track(socket));
    server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake refused'));
    let port = config.port;
    let accept = (socket: Socket): void => {
      server.emit('connection', socket);
    };
    if (opts.handedConnections) {
      const handed = new HandedConnections(server, limits.maxConnections);
      accept = (socket) => handed.accept(socket);
      closers.push(() => handed.close());
    } else {
      port = await listen(server, config.port, config.host);
      // After listen, an accept error (EMFILE under a connection storm) must be logged, not kill the process.
      server.on('error', (err) => log.error({ err: err.message }, 'https listener error'));
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), 5000).unref();
          }),
      );
    }

    let adminPort: number | undefined;
    if (opts.admin !== false) {
      const admin = http.createServer(createAdminApp({ pool: db.pool, registry, tickets, soutien, pki: { crlPem: () => currentCrl(db.pool, config.certsDir), metrics: () => pkiMetrics(db.pool, tlsContext.current()) }, metrics: () => metrics.render(), mockups: { lifecycle, clock } }));
      adminPort = await listen(admin, config.adminPort, config.adminHost);
      closers.push(
        () =>
          new Promise<void>((resolve) => {
            admin.close(() => resolve());
            admin.closeAllConnections();
          }),
      );
    }
    log.info({ port, adminPort, mode: config.mode, versions: registry.list().map((v) => `${v.service}/${v.version}`) }, 'e-SAV gateway listening');
    return { port, adminPort, accept, db, registry, log, services: { tickets, appointments, soutien }, lifecycle, guards: { maintenance, rateLimiter }, platform, reloadTls: (reason) => tlsContext.reload(reason), close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
