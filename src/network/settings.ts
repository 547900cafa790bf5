import { SimulatorDriver, loadDataset } from './simulator.js';
import type { NetworkDriver } from './driver.js';

export interface NetworkSettings {
  /** Overrides the simulator data set's default answer delay. */
  simDelayMs?: number;
  /** How long one test may wait for the network. */
  timeoutMs: number;
  /** Past this after launch, a test still EN_COURS is marked ECHEC. */
  testDeadlineMs: number;
}

function int(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${raw} is invalid: expected an integer between ${min} and ${max}`);
  return n;
}

/** Settings of the network driver and of test runs, validated at start. */
export function networkSettings(env: NodeJS.ProcessEnv = process.env): NetworkSettings {
  const timeoutMs = int(env, 'ESAV_NETWORK_TIMEOUT_MS', 100, 600_000) ?? 30_000;
  const testDeadlineMs = int(env, 'ESAV_TEST_DEADLINE_MS', 1000, 3_600_000) ?? Math.max(120_000, timeoutMs * 2);
  if (testDeadlineMs < timeoutMs) throw new Error(`ESAV_TEST_DEADLINE_MS (${testDeadlineMs}) must be at least ESAV_NETWORK_TIMEOUT_MS (${timeoutMs})`);
  return { simDelayMs: int(env, 'ESAV_NETWORK_SIM_DELAY_MS', 0, 600_000), timeoutMs, testDeadlineMs };
}

/** The network driver: the simulator for now (ESAV_NETWORK_DRIVER is the switch for a real one). */
export function createNetworkDriver(s: NetworkSettings, env: NodeJS.ProcessEnv = process.env): NetworkDriver {
  const kind = env.ESAV_NETWORK_DRIVER ?? 'simulateur';
  if (kind !== 'simulateur') throw new Error(`ESAV_NETWORK_DRIVER=${kind} is invalid: only "simulateur" is available`);
  return new SimulatorDriver(loadDataset(), undefined, s.simDelayMs);
}
