import { randomUUID } from 'node:crypto';
import type { Pool } from '../../db/pool.js';
import { inTransaction } from '../../db/pool.js';
import type { Logger } from '../../log.js';
import type { Scope } from '../../pki/certs.js';
import type { JobDefinition } from '../../jobs/boss.js';
import { DomainError } from '../errors.js';
import type { PrestationCache } from '../tickets/prestationCache.js';
import type { PrestationRow } from '../tickets/repo.js';
import type { WorkService } from '../works/service.js';
import type { Work } from '../works/repo.js';
import { NetworkError, type Measure, type NetworkDriver, type NetworkTestResult, type TestType } from '../../network/driver.js';
import { countRequest } from '../../metrics/volumetry.js';
import { findTest, finishTest, insertTest, markStarted, offerTestTypes, overdueTests, testTypes, type LineTest } from './repo.js';

export interface Caller {
  siren: string;
  scope: Scope;
}

/** Where test runs are queued (pg-boss in production); attached once the queue has started. */
export interface TestQueue {
  send(name: string, data: Record<string, unknown>, opts?: { startAfter?: Date }): Promise<void>;
}

/** A queue that is given its pg-boss instance after start (the bindings are built before it). */
export class LateQueue implements TestQueue {
  private boss?: { send(name: string, data: object, opts: { startAfter?: Date }): Promise<string | null> };
  attach(boss: LateQueue['boss']): void {
    this.boss = boss;
  }
  async send(name: string, data: Record<string, unknown>, opts: { startAfter?: Date } = {}): Promise<void> {
    if (!this.boss) throw new DomainError('SERVICE_INDISPONIBLE', 'La file des tests n\'est pas démarrée ; réessayez plus tard.', true, 5);
    await this.boss.send(name, data, opts);
  }
}

export const JOB_RUN = 'line-test-run';
export const JOB_DEADLINE = 'line-test-deadline';
export const JOB_SWEEP = 'line-test-sweep';

export interface TestServiceOptions {
  driver: NetworkDriver;
  prestations: PrestationCache;
  works: WorkService;
  queue: TestQueue;
  clock?: () => Date;
  /** How long the network may take to answer one test. */
  driverTimeoutMs?: number;
  /** Past this after launch, a test still EN_COURS is marked ECHEC (its run was lost). */
  deadlineMs?: number;
  log?: Logger;
}

/**
 * e-SAV Test: tests offered per offer, launched asynchronously (answered at once, run by a job),
 * results kept with their measures, verdict and probable origin. A test that was running when its
 * gateway died is marked ECHEC once its deadline passes, never left EN_COURS.
 */
export class TestService {
  private readonly clock: () => Date;
  private readonly driverTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(
    private readonly pool: Pool,
    private readonly opts: TestServiceOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.driverTimeoutMs = opts.driverTimeoutMs ?? 30_000;
    this.deadlineMs = Math.max(opts.deadlineMs ?? 120_000, 1000);
  }

  /** The caller's prestation, with the certificate scope its offer needs (annexe P1). */
  private async prestation(caller: Caller, prestationId: string): Promise<PrestationRow> {
    const p = await this.opts.prestations.own(caller.siren, prestationId);
    if (!p) throw new DomainError('PRESTATION_INCONNUE', `L'identifiant de prestation ${prestationId} n'existe pas dans le parc de l'opérateur ${caller.siren}.`);
    const expected: Scope = p.ftth ? 'ftth' : 'esav';
    if (caller.scope !== expected) {
      throw new DomainError('PERIMETRE_CERTIFICAT', `La prestation ${prestationId} (offre ${p.offerCode}) exige un certificat de périmètre ${expected} ; le certificat présenté est de périmètre ${caller.scope}.`);
    }
    return p;
  }

  async available(caller: Caller, prestationId: string): Promise<{ prestation: PrestationRow; tests: Array<{ code: TestType; label: string }> }> {
    const prestation = await this.prestation(caller, prestationId);
    return { prestation, tests: await offerTestTypes(this.pool, prestation.offerCode) };
  }

  async launch(caller: Caller, prestationId: string, testType: string, externalRef?: string): Promise<LineTest> {
    const known = await testTypes(this.pool);
    if (!known.some((t) => t.code === testType)) {
      throw new DomainError('TYPE_TEST_INCONNU', `Type de test inconnu : ${testType}. Types : ${known.map((t) => t.code).join(', ')} ; listerTestsDisponibles donne ceux de la prestation.`);
    }
    const prestation = await this.prestation(caller, prestationId);
    const offered = await offerTestTypes(this.pool, prestation.offerCode);
    if (offered.length === 0) throw new DomainError('OFFRE_SANS_TEST', `Aucun test à distance n'est ouvert pour l'offre ${prestation.offerCode} de la prestation ${prestationId}.`);
    if (!offered.some((t) => t.code === testType)) {
      throw new DomainError('TEST_NON_DISPONIBLE', `Le test ${testType} n'est pas ouvert pour l'offre ${prestation.offerCode} ; tests disponibles : ${offered.map((t) => t.code).join(', ')}.`);
    }
    const now = this.clock();
    const test = {
      id: `T-${randomUUID()}`,
      siren: caller.siren,
      prestationId,
      offerCode: prestation.offerCode,
      testType: testType as TestType,
      externalRef,
      requestedAt: now,
      deadlineAt: new Date(now.getTime() + this.deadlineMs),
    };
    const recorded = await insertTest(this.pool, test);
    if (!recorded.created) {
      const first = recorded.existing;
      if (first.prestationId !== prestationId || first.testType !== testType) {
        throw new DomainError('REFERENCE_EXTERNE_CONFLIT', `La référence externe ${externalRef} a déjà servi pour le test ${first.id} (${first.testType} sur ${first.prestationId}) : utilisez une nouvelle référence externe.`);
      }
      return first;
    }
    // Committed before queueing: a lost send leaves a row that the deadline sweep ends in ECHEC.
    await this.opts.queue.send(JOB_RUN, { id: test.id });
    await this.opts.queue.send(JOB_DEADLINE, { id: test.id }, { startAfter: test.deadlineAt });
    return { ...test, state: 'EN_COURS', measures: [] };
  }

  async result(caller: Caller, testId: string): Promise<LineTest> {
    const t = await findTest(this.pool, testId, caller.siren);
    if (!t) throw new DomainError('TEST_INCONNU', `Le test ${testId} n'existe pas pour cet opérateur.`);
    return t;
  }

  /** e-SAV Test's view of planned works and incidents on one prestation; counted (article 7). */
  async worksAndIncidents(caller: Caller, prestationId: string, window?: { from?: Date; to?: Date }): Promise<Work[]> {
    await this.prestation(caller, prestationId);
    const works = await this.opts.works.affecting(caller.siren, prestationId, window);
    await countRequest(this.pool, caller.siren, 'INFO_TRAVAUX', this.clock());
    return works;
  }

  /** The job: runs one test against the network and records its outcome. */
  async run(testId: string): Promise<void> {
    const t = await findTest(this.pool, testId);
    if (!t || t.state !== 'EN_COURS') return;
    const started = this.clock();
    if (!(await markStarted(this.pool, testId, started))) {
      await this.expire(testId);
      return;
    }
    const budget = Math.max(0, Math.min(this.driverTimeoutMs, t.deadlineAt.getTime() - started.getTime()));
    let outcome: NetworkTestResult;
    try {
      outcome = t.testType === 'TRAVAUX_INCIDENTS' ? await this.worksOnPath(t) : await this.withTimeout(t, budget);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      await finishTest(this.pool, testId, this.clock(), { state: 'ECHEC', errorCode: err.code, errorMessage: err.message });
      return;
    }
    const at = this.clock();
    // The outcome and its count commit together: a test with a result is counted exactly once.
    await inTransaction(this.pool, async (c) => {
      if (await finishTest(c, testId, at, { state: 'TERMINE', ...outcome })) await countRequest(c, t.siren, 'TEST_AVEC_RESULTAT', at);
    });
  }

  private async withTimeout(t: LineTest, budgetMs: number): Promise<NetworkTestResult> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new NetworkError('DELAI_DEPASSE', `Le réseau n'a pas répondu au test ${t.id} en ${Math.round(budgetMs / 1000)} s.`)), budgetMs);
    try {
      return await this.opts.driver.run({ testId: t.id, prestationId: t.prestationId, offerCode: t.offerCode, testType: t.testType }, ac.signal);
    } catch (err) {
      if (ac.signal.aborted && ac.signal.reason instanceof NetworkError) throw ac.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The TRAVAUX_INCIDENTS test reads the works recorded on the prestation, not the network. */
  private async worksOnPath(t: LineTest): Promise<NetworkTestResult> {
    const works = await this.opts.works.affecting(t.siren, t.prestationId);
    const at = this.clock();
    const m = (name: string, value: string): Measure => ({ name, value, at });
    const tp = works.filter((w) => w.type === 'TP');
    const derco = works.filter((w) => w.type === 'DERCO');
    return {
      measures: [m('travauxEnCours', String(tp.length)), m('incidentsEnCours', String(derco.length)), ...works.map((w) => m('reference', w.reference))],
      verdict: works.length ? 'KO' : 'OK',
      origin: works.length ? 'RESEAU_FOURNISSEUR' : undefined,
    };
  }

  private background(testId: string): void {
    const p = this.run(testId)
      .catch((err) => this.opts.log?.error({ testId, err: (err as Error).message }, 'line test run failed'))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /** Waits for the tests running in this process (graceful stop). */
  async drain(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  /** Ends a test whose deadline passed while still EN_COURS. */
  async expire(testId: string): Promise<boolean> {
    const t = await findTest(this.pool, testId);
    if (!t || t.state !== 'EN_COURS' || t.deadlineAt > this.clock()) return false;
    const ok = await finishTest(this.pool, testId, this.clock(), {
      state: 'ECHEC',
      errorCode: 'TEST_INTERROMPU',
      errorMessage: `Le test ${testId} n'a pas abouti dans le délai (interruption de la plate-forme) : relancez-le.`,
    });
    if (ok) this.opts.log?.warn({ testId }, 'line test past its deadline marked ECHEC');
    return ok;
  }

  async sweep(): Promise<number> {
    let n = 0;
    for (const id of await overdueTests(this.pool, this.clock())) if (await this.expire(id)) n++;
    return n;
  }

  jobs(): JobDefinition[] {
    return [
      // The job dispatches; the test runs beside it so that slow elements do not queue up behind
      // one another (pg-boss runs one job at a time per worker). A run lost with its process is
      // ended by the deadline job.
      { name: JOB_RUN, handler: async (d) => void this.background(String(d.id)), batchSize: 4 },
      { name: JOB_DEADLINE, handler: async (d) => void (await this.expire(String(d.id))) },
      // Safety net for tests whose deadline job was never queued.
      { name: JOB_SWEEP, cron: '*/5 * * * *', handler: async () => void (await this.sweep()) },
    ];
  }
}
