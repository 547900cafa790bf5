/**
 * What the load generator sends. A scenario is one request shape against one target (a
 * SingleScenario), or a mix of them (a MixedScenario: each request is one of the target's single
 * scenarios, picked by a seeded PRNG); the run measures the scenarios in list order, each for
 * warm-up + duration, each in a fresh load process.
 *
 * To add one, append to SCENARIOS: body(i, data) and soapAction(i) get the request number, and
 * check(body, i, data) can tell which answer to expect. Data the scenario needs is made by the
 * setup in bench/run.ts and reaches the load process in ScenarioData (the references of the
 * tickets deposited by the setup; the slot search's zone and window).
 *
 * The handshake rows (handshake@gateway|bare|openssl) are not scenarios: no request body, a new
 * connection each time (bench/handshake.ts).
 */
import { prng } from '../test/support/load.js';
import { depositXml, envelope, V1 } from '../test/support/http.js';

export type TargetName = 'bare' | 'echo' | 'gateway';
/** One request kind. */
export type SingleOperation = 'deposit' | 'state' | 'slots';
/** What a row measures: one request kind, or the mixed workload. */
export type Operation = SingleOperation | 'mixed';
/** Which of the setup's client certificates a scenario sends (`esav cert issue --scope ...`). */
export type ClientScope = 'esav' | 'ftth';

/** What a slot search asks for: made by the setup (bench/run.ts), the same for every target. */
export interface SlotQuery {
  /** SIREN of the calling operator (sirenOC: the one of the ftth certificate). */
  siren: string;
  /** The provider's SIREN (sirenOI). */
  providerSiren: string;
  zone: string;
  /** Window, ISO instants (next Monday 00:00 Paris, 14 days later). */
  from: string;
  to: string;
}

/** What the setup made for the scenarios, handed to the load process with its config. */
export interface ScenarioData {
  /** References of tickets the setup deposited on the gateway (as the bench's client). */
  references: string[];
  /** The slot search of slots@* (undefined when no slot scenario runs). */
  slots?: SlotQuery;
}

export interface SingleScenario {
  name: string;
  operation: SingleOperation;
  target: TargetName;
  /** Request path on the target. */
  path: string;
  /** true when the scenario needs ScenarioData.references (the setup then deposits tickets). */
  needsReferences?: boolean;
  /** true when the scenario needs ScenarioData.slots (the setup then makes the planning data). */
  needsSlots?: boolean;
  /** The client certificate it sends: 'esav' (default) or 'ftth' (the rdv-ftth service). */
  client?: ClientScope;
  /** Request body for the i-th request (i counts from 0 in each load process). */
  body(i: number, data: ScenarioData): string | Buffer;
  /** SOAPAction header value, unquoted (sent quoted, as SOAP 1.1 clients do). */
  soapAction: string | ((i: number) => string);
  /** HTTP status a successful answer has. */
  expectStatus?: number;
  /** true when the response body is a success for request i (status already checked). */
  check(responseBody: string, i: number, data: ScenarioData): boolean;
}

/** The prestation the bench deposits on (made by the setup in bench/run.ts). */
export const BENCH_SIREN = '552100554';
export const BENCH_PRESTATION = 'ETH-BENCH-1';
export const SIGNALISATION_V1 = '/ws/signalisation/v1';
export const DEPOSIT_ACTION = `${V1}#deposerSignalisation`;
export const STATE_ACTION = `${V1}#consulterEtatSignalisation`;
/** How many tickets the setup deposits for the state query to read (round-robin). */
export const STATE_REFERENCES = 64;

// The same bytes on every request: no external reference, so every gateway deposit is a new ticket.
export const DEPOSIT_BODY = Buffer.from(depositXml(V1, BENCH_PRESTATION));

const REFERENCE = 'S[0-9]{2}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]';
const REFERENCE_ELEMENT = new RegExp(`<(?:[\\w.-]+:)?referenceSignalisation>(${REFERENCE})</(?:[\\w.-]+:)?referenceSignalisation>`);

/** The states of wsdl/signalisation/v1/signalisation.xsd (EtatSignalisation). */
export const STATES = ['EN_DEPOT', 'EN_QUALIFICATION', 'EN_COURS', 'GELE', 'CLOS', 'VALIDE', 'CLOS_TABLEAU_DE_BORD', 'EN_REJET'];
const STATE_ELEMENT = new RegExp(`<(?:[\\w.-]+:)?etat>(?:${STATES.join('|')})</(?:[\\w.-]+:)?etat>`);

/** A deposit answer: no fault, a well-formed referenceSignalisation. */
export function isDepositAnswer(body: string): boolean {
  return !body.includes('Fault>') && REFERENCE_ELEMENT.test(body);
}

/** The reference of a deposit answer (undefined for a fault or a malformed answer). */
export function depositReference(body: string): string | undefined {
  return body.includes('Fault>') ? undefined : REFERENCE_ELEMENT.exec(body)?.[1];
}

export function stateXml(reference: string): string {
  return envelope(`<s:consulterEtatSignalisation xmlns:s="${V1}"><s:referenceSignalisation>${reference}</s:referenceSignalisation></s:consulterEtatSignalisation>`);
}

/** A state answer for `reference`: no fault, a valid <etat>, the queried reference. */
export function isStateAnswer(body: string, reference: string): boolean {
  if (body.includes('Fault>') || !STATE_ELEMENT.test(body)) return false;
  const m = REFERENCE_ELEMENT.exec(body);
  return m !== null && m[1] === reference;
}

function deposit(target: TargetName): SingleScenario {
  return {
    name: `deposit@${target}`,
    operation: 'deposit',
    target,
    path: SIGNALISATION_V1,
    body: () => DEPOSIT_BODY,
    soapAction: DEPOSIT_ACTION,
    expectStatus: 200,
    check: isDepositAnswer,
  };
}

// Request bodies built once per load process (per references array), not per request.
const stateBodies = new WeakMap<string[], Buffer[]>();
function stateBody(i: number, data: ScenarioData): Buffer {
  let bodies = stateBodies.get(data.references);
  if (!bodies) {
    if (data.references.length === 0) throw new Error('state scenario without references');
    bodies = data.references.map((r) => Buffer.from(stateXml(r)));
    stateBodies.set(data.references, bodies);
  }
  return bodies[i % bodies.length]!;
}

/** consulterEtatSignalisation of the setup's tickets, round-robin: request i asks for reference i % n. */
function state(target: TargetName): SingleScenario {
  return {
    name: `state@${target}`,
    operation: 'state',
    target,
    path: SIGNALISATION_V1,
    needsReferences: true,
    body: stateBody,
    soapAction: STATE_ACTION,
    expectStatus: 200,
    check: (body, i, data) => isStateAnswer(body, data.references[i % data.references.length]!),
  };
}

// ---------------------------------------------------------------- slot search (rdv-ftth)

export const RDV_FTTH_V1 = '/ws/rdv-ftth/v1';
/** Namespace of the Interop'Fibre plan de charge SAV FTTH contract (wsdl/rdv-ftth/v1). */
export const IF_NS = 'http://interop-fibre.fr';
/** sirenOI: the gateway's default ESAV_PROVIDER_SIREN (the bench sets it explicitly). */
export const PROVIDER_SIREN = '411111112';
/** The planning the setup makes: technicians in one zone, a share of their time booked. */
export const SLOT_ZONE = '75056';
export const SLOT_TECHNICIANS = 20;
export const SLOT_BOOKED_FRACTION = 0.3;
export const SLOT_WINDOW_DAYS = 14;
export const SLOT_HOURS = { startMinute: 8 * 60, endMinute: 18 * 60 };
export const SLOT_WEEKDAYS = [1, 2, 3, 4, 5];

/**
 * A RechercheCreneauxLibresRequete as a client generated from the reference WSDL sends it: root
 * element qualified, children unqualified, the EnteteType header (sirenOC = the caller's SIREN,
 * sirenOI = the provider's), SOAPAction "".
 */
export function slotSearchXml(q: SlotQuery, requestedAt = new Date()): string {
  const header =
    `<tns:EnteteType xmlns:tns="${IF_NS}"><versionWS>5.0</versionWS><horodatageRequete>${requestedAt.toISOString()}</horodatageRequete>` +
    `<sirenOC>${q.siren}</sirenOC><sirenOI>${q.providerSiren}</sirenOI></tns:EnteteType>`;
  return envelope(
    `<tns:RechercheCreneauxLibresRequete xmlns:tns="${IF_NS}"><typeIntervention>S</typeIntervention><natureProduit>FTTH_ACCES</natureProduit>` +
      `<segmentMarche>GP</segmentMarche><codeInsee>${q.zone}</codeInsee><dateDebut>${q.from}</dateDebut><dateFin>${q.to}</dateFin>` +
      `<defectPrelocalization>PTO</defectPrelocalization></tns:RechercheCreneauxLibresRequete>`,
    header,
  );
}

const SLOT_LIST = /<(?:[\w.-]+:)?listeCreneau>\s*<(?:[\w.-]+:)?occCreneau>\s*<(?:[\w.-]+:)?dateDebut>[^<]+<\/(?:[\w.-]+:)?dateDebut>/;
const OCC = /<(?:[\w.-]+:)?occCreneau>/g;

/** A slot search answer: no fault, a listeCreneau whose first child is an occCreneau with a dateDebut. */
export function isSlotAnswer(body: string): boolean {
  return !body.includes('Fault>') && SLOT_LIST.test(body);
}

/** How many occCreneau an answer holds (for the setup's report). */
export function slotCount(body: string): number {
  return body.match(OCC)?.length ?? 0;
}

const slotBodies = new WeakMap<SlotQuery, Buffer>();
function slotBody(_i: number, data: ScenarioData): Buffer {
  if (!data.slots) throw new Error('slot scenario without a slot query');
  let b = slotBodies.get(data.slots);
  if (!b) slotBodies.set(data.slots, (b = Buffer.from(slotSearchXml(data.slots))));
  return b;
}

/** rechercheCreneauxLibres over the setup's window and zone: the same request every time. */
function slots(target: TargetName): SingleScenario {
  return {
    name: `slots@${target}`,
    operation: 'slots',
    target,
    path: RDV_FTTH_V1,
    needsSlots: true,
    client: 'ftth',
    body: slotBody,
    soapAction: '',
    expectStatus: 200,
    check: isSlotAnswer,
  };
}

// ---------------------------------------------------------------- mixed workload (issue 8)

/** The issue's mix: 60% state queries, 25% deposits, 15% slot searches. */
export const MIX: ReadonlyArray<{ operation: SingleOperation; share: number }> = [
  { operation: 'state', share: 0.6 },
  { operation: 'deposit', share: 0.25 },
  { operation: 'slots', share: 0.15 },
];
/** Seed of the mix's PRNG: every run (and every target) gets the same sequence of operations. */
export const MIX_SEED = 8;

/** A workload of several single scenarios on one target: request i is pick(i)'s request i. */
export interface MixedScenario {
  name: string;
  operation: 'mixed';
  target: TargetName;
  needsReferences: true;
  needsSlots: true;
  mix: typeof MIX;
  /** The single scenario request i is sent as (its path, certificate, body, SOAPAction and check). */
  pick(i: number): SingleScenario;
}

export type Scenario = SingleScenario | MixedScenario;

export function isMixed(s: Scenario): s is MixedScenario {
  return s.operation === 'mixed';
}

/**
 * The operation of request i of a mix: the i-th draw of prng(seed), mapped on the cumulative
 * shares. Draws are kept (one byte a request), so pick(i) is the same whenever it is asked.
 */
export function mixSequence(mix: ReadonlyArray<{ operation: SingleOperation; share: number }>, seed: number): (i: number) => SingleOperation {
  const rnd = prng(seed);
  const bounds: number[] = [];
  let acc = 0;
  for (const m of mix) bounds.push((acc += m.share));
  let drawn = new Uint8Array(1024);
  let n = 0;
  return (i) => {
    while (n <= i) {
      if (n === drawn.length) {
        const grown = new Uint8Array(drawn.length * 2);
        grown.set(drawn);
        drawn = grown;
      }
      const r = rnd() * acc;
      let k = 0;
      while (k < bounds.length - 1 && r >= bounds[k]!) k++;
      drawn[n++] = k;
    }
    return mix[drawn[i]!]!.operation;
  };
}

/** 60% state / 25% deposit / 15% slots (MIX), the same bodies and checks as the single rows. */
function mixed(target: TargetName): MixedScenario {
  const parts: Record<SingleOperation, SingleScenario> = { deposit: deposit(target), state: state(target), slots: slots(target) };
  const op = mixSequence(MIX, MIX_SEED);
  return { name: `mixed@${target}`, operation: 'mixed', target, needsReferences: true, needsSlots: true, mix: MIX, pick: (i) => parts[op(i)] };
}

/**
 * Measured in this order: every deposit (the floor: TLS + HTTP, the framework baseline, then the
 * gateway), then every state query, then every slot search, then the mixed workload, in the same
 * target order.
 */
export const SCENARIOS: Scenario[] = [
  deposit('bare'), deposit('echo'), deposit('gateway'),
  state('bare'), state('echo'), state('gateway'),
  slots('bare'), slots('echo'), slots('gateway'),
  mixed('bare'), mixed('echo'), mixed('gateway'),
];

// ---------------------------------------------------------------- handshakes (issue 8)

/** Targets of the handshake rows: the gateway, the bare peer, and `openssl s_server` (the reference). */
export type HandshakeTarget = 'gateway' | 'bare' | 'openssl';
export const HANDSHAKE_TARGETS: HandshakeTarget[] = ['gateway', 'bare', 'openssl'];
export const handshakeRowName = (t: HandshakeTarget) => `handshake@${t}`;
/** What each new connection asks once its handshake is done (any HTTP answer proves the server accepted the certificate). */
export const HANDSHAKE_PATH = '/bench-handshake.txt';

// ---------------------------------------------------------------- bars

/** One of the issues' bars: the gateway's row against the echo's row of the same operation. */
export interface Bar {
  /** The issue that set it. */
  issue: number;
  operation: Operation;
  gateway: string;
  echo: string;
  bare: string;
  /** gateway throughput >= minRatio x the Express+soap echo throughput (unset: the ratio is only reported)... */
  minRatio?: number;
  /** ...and gateway p99 below this (when set)... */
  maxP99Ms?: number;
  /** ...and gateway median below this (when set), at `connections` keep-alive mTLS connections. */
  maxP50Ms?: number;
  connections: number;
}

function bar(issue: number, operation: Operation, limits: { minRatio?: number; maxP99Ms?: number; maxP50Ms?: number }): Bar {
  return { issue, operation, gateway: `${operation}@gateway`, echo: `${operation}@echo`, bare: `${operation}@bare`, ...limits, connections: 16 };
}

/**
 * The bars of the issues, at 16 connections. Issues 2, 3, 4: deposit >= 1.0x the echo and state
 * query >= 2.0x the echo, both with p99 < 25 ms; slot search (14 days, 20 technicians, 30% booked)
 * >= 1.0x the echo with a median < 5 ms. Issue 8: deposit >= 1.5x, state query >= 3.0x, p99 < 25 ms
 * (for both, and for the mixed workload, whose ratio to the echo is reported, not judged).
 */
export const BARS: Bar[] = [
  bar(2, 'deposit', { minRatio: 1.0, maxP99Ms: 25 }),
  bar(3, 'state', { minRatio: 2.0, maxP99Ms: 25 }),
  bar(4, 'slots', { minRatio: 1.0, maxP50Ms: 5 }),
  bar(8, 'deposit', { minRatio: 1.5, maxP99Ms: 25 }),
  bar(8, 'state', { minRatio: 3.0, maxP99Ms: 25 }),
  bar(8, 'mixed', { maxP99Ms: 25 }),
];

/** Issue 8: resident size of the gateway under the 16-connection load, and over the soak. */
export const MEMORY_BAR = {
  issue: 8,
  /** MB = 10^6 bytes; judged per process and for the sum of the gateway's processes. */
  maxRssMB: 250,
  /** The soak the issue asks for (10 minutes); a shorter soak is reported, not judged. */
  soakSeconds: 600,
  /**
   * "No growth": least-squares slope of the total RSS over the soak's second half below this. The
   * garbage collector's saw-tooth (10-25 MB per worker, measured) leaves about +-1 MB/min of noise
   * on a 5-minute slope; 3 MB/min (30 MB over 10 minutes, about 60 bytes a request at ~900
   * requests a second) is a leak, not noise.
   */
  maxSlopeMBPerMin: 3,
  connections: 16,
};

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}
