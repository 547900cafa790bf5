import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { NetworkError, type Measure, type NetworkDriver, type NetworkTestRequest, type NetworkTestResult, type Origin } from './driver.js';

export type SimOutcome =
  | 'OK'
  | 'KO_INSTALLATION_CLIENT'
  | 'KO_RESEAU_FOURNISSEUR'
  | 'KO_RESEAU_OPERATEUR'
  | 'KO_INDETERMINE'
  | 'DELAI_DEPASSE'
  | 'ERREUR_EQUIPEMENT';

const OUTCOMES: ReadonlySet<string> = new Set(['OK', 'KO_INSTALLATION_CLIENT', 'KO_RESEAU_FOURNISSEUR', 'KO_RESEAU_OPERATEUR', 'KO_INDETERMINE', 'DELAI_DEPASSE', 'ERREUR_EQUIPEMENT']);

interface Entry {
  outcome?: SimOutcome;
  delayMs?: number;
}

export interface SimDataset {
  defaultDelayMs: number;
  prestations: Record<string, Entry>;
  rules: Array<Entry & { match: string }>;
}

export const DATASET_FILE = join(PROJECT_ROOT, 'src', 'network', 'simulator-dataset.json');

export function loadDataset(file = DATASET_FILE): SimDataset {
  const d = JSON.parse(readFileSync(file, 'utf8')) as SimDataset;
  for (const e of [...Object.values(d.prestations ?? {}), ...(d.rules ?? [])]) {
    if (e.outcome !== undefined && !OUTCOMES.has(e.outcome)) throw new Error(`${file}: unknown outcome ${e.outcome}`);
    if (e.delayMs !== undefined && !(Number.isInteger(e.delayMs) && e.delayMs >= 0)) throw new Error(`${file}: bad delayMs ${e.delayMs}`);
  }
  for (const r of d.rules ?? []) new RegExp(r.match);
  return { defaultDelayMs: d.defaultDelayMs, prestations: d.prestations ?? {}, rules: d.rules ?? [] };
}

const ORIGIN: Partial<Record<SimOutcome, Origin>> = {
  KO_INSTALLATION_CLIENT: 'INSTALLATION_CLIENT',
  KO_RESEAU_FOURNISSEUR: 'RESEAU_FOURNISSEUR',
  KO_RESEAU_OPERATEUR: 'RESEAU_OPERATEUR',
  KO_INDETERMINE: 'INDETERMINEE',
};

/** Fixed measures per test type and outcome: the same prestation always gives the same result. */
function measures(req: NetworkTestRequest, outcome: SimOutcome, at: Date): Measure[] {
  const ok = outcome === 'OK';
  const m = (name: string, value: string, unit?: string): Measure => ({ name, value, unit, at });
  switch (req.testType) {
    case 'ETAT_SERVICE':
      return [m('equipementJoignable', outcome === 'KO_RESEAU_FOURNISSEUR' ? 'NON' : 'OUI'), m('serviceActive', ok ? 'OUI' : 'NON')];
    case 'ETAT_LIGNE_OPTIQUE':
      return [
        m('puissanceRecue', ok ? '-18.4' : outcome === 'KO_INSTALLATION_CLIENT' ? '-29.7' : '-40.0', 'dBm'),
        m('attenuation', ok ? '14.2' : outcome === 'KO_INSTALLATION_CLIENT' ? '25.5' : '99.0', 'dB'),
      ];
    case 'ETAT_SESSION':
      return [m('sessionActive', ok ? 'OUI' : 'NON'), m('dureeSession', ok ? '86400' : '0', 's')];
    case 'REINIT_PORT':
      return [m('reinitialisation', 'EFFECTUEE'), m('etatPort', ok ? 'UP' : 'DOWN')];
    default:
      return [m('resultat', ok ? 'CONFORME' : 'NON_CONFORME')];
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The network as the integration platform shows it: deterministic outcomes per prestation from
 * the published data set, with the element's answer delay, its timeouts and its errors.
 */
export class SimulatorDriver implements NetworkDriver {
  constructor(
    private readonly dataset: SimDataset = loadDataset(),
    private readonly clock: () => Date = () => new Date(),
    delayOverrideMs?: number,
  ) {
    if (delayOverrideMs !== undefined) this.dataset = { ...dataset, defaultDelayMs: delayOverrideMs };
  }

  scenario(prestationId: string): { outcome: SimOutcome; delayMs: number } {
    const exact = this.dataset.prestations[prestationId];
    let outcome = exact?.outcome;
    let delayMs = exact?.delayMs;
    for (const r of this.dataset.rules) {
      if (outcome !== undefined && delayMs !== undefined) break;
      if (!new RegExp(r.match).test(prestationId)) continue;
      outcome ??= r.outcome;
      delayMs ??= r.delayMs;
    }
    return { outcome: outcome ?? 'OK', delayMs: delayMs ?? this.dataset.defaultDelayMs };
  }

  async run(req: NetworkTestRequest, signal: AbortSignal): Promise<NetworkTestResult> {
    const { outcome, delayMs } = this.scenario(req.prestationId);
    await sleep(delayMs, signal);
    if (outcome === 'DELAI_DEPASSE') throw new NetworkError('DELAI_DEPASSE', `L'élément testé pour ${req.prestationId} n'a pas répondu dans le délai.`);
    if (outcome === 'ERREUR_EQUIPEMENT') throw new NetworkError('ERREUR_EQUIPEMENT', `L'élément testé pour ${req.prestationId} a renvoyé une erreur.`);
    return { measures: measures(req, outcome, this.clock()), verdict: outcome === 'OK' ? 'OK' : 'KO', origin: ORIGIN[outcome] };
  }
}
