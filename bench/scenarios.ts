/**
 * What the load generator sends. A scenario is one request shape against one target; the run
 * measures the scenarios in list order, each for warm-up + duration, each in a fresh load process.
 *
 * To add one (e.g. a state query once the service has it, or a mixed workload), append to
 * SCENARIOS: body(i) and soapAction(i) get the request number, so a mix can alternate
 * operations (i % 10 === 0 ? deposit : query) and check(body, i) can tell which answer to expect.
 * Data the scenario needs (prestations, operators) goes in SETUP in bench/run.ts.
 */
import { depositXml, V1 } from '../test/support/http.js';

export type TargetName = 'bare' | 'echo' | 'gateway';

export interface Scenario {
  name: string;
  target: TargetName;
  /** Request path on the target. */
  path: string;
  /** Request body for the i-th request (i counts from 0 in each load process). */
  body(i: number): string | Buffer;
  /** SOAPAction header value, unquoted (sent quoted, as SOAP 1.1 clients do). */
  soapAction: string | ((i: number) => string);
  /** HTTP status a successful answer has. */
  expectStatus?: number;
  /** true when the response body is a success for request i (status already checked). */
  check(responseBody: string, i: number): boolean;
}

/** The prestation the bench deposits on (made by the setup in bench/run.ts). */
export const BENCH_SIREN = '552100554';
export const BENCH_PRESTATION = 'ETH-BENCH-1';
const DEPOSIT_ACTION = `${V1}#deposerSignalisation`;
const SIGNALISATION_V1 = '/ws/signalisation/v1';

// The same bytes on every request: no external reference, so every gateway deposit is a new ticket.
const DEPOSIT_BODY = Buffer.from(depositXml(V1, BENCH_PRESTATION));

const REFERENCE_ELEMENT = /<(?:[\w.-]+:)?referenceSignalisation>S[0-9]{2}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]<\/(?:[\w.-]+:)?referenceSignalisation>/;

/** A deposit answer: no fault, a well-formed referenceSignalisation. */
export function isDepositAnswer(body: string): boolean {
  return !body.includes('Fault>') && REFERENCE_ELEMENT.test(body);
}

function deposit(target: TargetName): Scenario {
  return {
    name: `deposit@${target}`,
    target,
    path: SIGNALISATION_V1,
    body: () => DEPOSIT_BODY,
    soapAction: DEPOSIT_ACTION,
    expectStatus: 200,
    check: isDepositAnswer,
  };
}

/** Measured in this order: the floor (TLS + HTTP), the framework baseline, then the gateway. */
export const SCENARIOS: Scenario[] = [deposit('bare'), deposit('echo'), deposit('gateway')];

/** The rows the bar compares. */
export const BAR = {
  gateway: 'deposit@gateway',
  echo: 'deposit@echo',
  bare: 'deposit@bare',
  /** deposit throughput >= minRatio x the Express+soap echo throughput... */
  minRatio: 1.0,
  /** ...and p99 below this, at `connections` keep-alive mTLS connections. */
  maxP99Ms: 25,
  connections: 16,
};

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
