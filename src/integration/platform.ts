import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Logger } from '../log.js';
import type { DepositGuard, TicketService } from '../domain/tickets/service.js';
import type { PipelineGuards } from '../soap/pipeline.js';
import { isInSearchBlackout, nextParisMidnight, parisDate, parisTime } from '../calendar/index.js';
import { ValidationGate } from '../validation/gate.js';
import { ValidationRecorder } from '../validation/recorder.js';
import { entryOf, loadDataset, provision, type Dataset } from './dataset.js';
import { ScenarioEngine } from './engine.js';

/** What a platform adds to the gateway: deposit hooks, pipeline guards, its own loops. */
export interface PlatformMode {
  depositGuards: DepositGuard[];
  guards: Pick<PipelineGuards, 'validation' | 'succeeded'>;
  /** The integration platform's scenario engine (tests drive it). */
  engine?: ScenarioEngine;
  recorder?: ValidationRecorder;
  close(): Promise<void>;
}

/** The NOTIFY channel of operator_validations (migration 012). */
export const VALIDATION_CHANNEL = 'esav_validation';

/**
 * When slot searches are refused. Production: the nightly window (01:00-04:00 Paris). The
 * integration platform answers at any hour, so that a campaign runs when the integrator works,
 * except in the data set's zoneInBlackout, which always answers as in the window.
 */
export function searchBlackoutPolicy(config: Config, dataset: Dataset = loadDataset()): (now: Date, zone: string) => { blackout: boolean; reopensAt?: Date } {
  if (config.mode !== 'integration') return (now) => isInSearchBlackout(now);
  return (now, zone) => {
    if (zone !== dataset.zoneInBlackout) return { blackout: false };
    const today = parisTime(parisDate(now), 4, 0);
    return { blackout: true, reopensAt: today > now ? today : parisTime(parisDate(nextParisMidnight(now)), 4, 0) };
  };
}

/**
 * Production: the validation gate (article 5.2.1), unless ESAV_REQUIRE_VALIDATION=off.
 * Integration: the test data set loaded (idempotently), the scenario engine, and the recorder of
 * first successful calls into the production database.
 */
export async function startPlatform(config: Config, deps: { db: Database; hub: NotificationHub; tickets: TicketService; log: Logger; clock: () => Date }): Promise<PlatformMode> {
  if (config.mode !== 'integration') {
    if (!config.platform.requireValidation) return { depositGuards: [], guards: {}, close: async () => undefined };
    const gate = new ValidationGate(deps.db.pool, deps.hub);
    return { depositGuards: [], guards: { validation: (identity, service) => gate.check(identity, service) }, close: async () => undefined };
  }
  const dataset = loadDataset();
  const loaded = await provision(deps.db.pool, dataset);
  deps.log.info({ ...loaded }, 'integration platform: test data set loaded');
  const engine = new ScenarioEngine(deps.db.pool, deps.tickets, config.platform.scenarioStepMs, deps.log, deps.clock);
  engine.start();
  const recorder = new ValidationRecorder(deps.db.pool, config.platform.productionDatabaseUrl!, deps.log, deps.clock);
  recorder.start();
  const scenarioGuard: DepositGuard = {
    check: async () => undefined,
    afterDeposit: async (_caller, req, receipt) => {
      const scenario = entryOf(dataset, req.prestationId)?.scenario;
      if (scenario) await engine.enrol(receipt.reference, scenario);
    },
  };
  return {
    depositGuards: [scenarioGuard],
    guards: { succeeded: (identity, call) => recorder.succeeded(identity, call) },
    engine,
    recorder,
    async close() {
      await engine.stop();
      await recorder.close();
    },
  };
}
