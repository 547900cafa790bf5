import type { TicketState } from '../domain/tickets/states.js';

export type ScenarioName = 'VALIDE' | 'REJET' | 'GEL';

/** One move of the provider's SAV, as the scenario engine makes it (the real transition). */
export interface ScenarioStep {
  to: TicketState;
  /** The event's comment (the state history the operator reads). */
  comment: string;
  /** `etatResolution` of the ticket. */
  resolution?: string;
  /** A SAV comment (`commentaireSav`) added with the move. */
  savComment?: string;
  /** After this move, wait for the operator's completerSignalisation before the next one. */
  awaitComplement?: boolean;
}

const QUALIFIED: ScenarioStep = { to: 'EN_QUALIFICATION', comment: 'Signalisation recevable, en cours de qualification.' };
const WORKING: ScenarioStep = { to: 'EN_COURS', comment: 'Technicien affecté.', savComment: 'Intervention en cours (jeu de test e-SAV).' };
const CLOSED: ScenarioStep = { to: 'CLOS', comment: 'Défaut réparé.', resolution: 'RESOLU' };
const VALIDATED: ScenarioStep = { to: 'VALIDE', comment: 'Avis de clôture envoyé.' };

/**
 * The deterministic life of a ticket deposited on a data set prestation (docs/integration-guide.md).
 * The engine makes one move every ESAV_INTEGRATION_STEP_MS, through TicketService.advance.
 */
export const SCENARIOS: Record<ScenarioName, ScenarioStep[]> = {
  VALIDE: [QUALIFIED, WORKING, CLOSED, VALIDATED],
  REJET: [{ to: 'EN_REJET', comment: 'Signalisation non recevable : défaut non constaté sur la prestation (jeu de test e-SAV).' }],
  GEL: [
    QUALIFIED,
    {
      to: 'GELE',
      comment: 'En attente d\'un complément de l\'opérateur.',
      savComment: 'Merci de préciser les horaires d\'accès au site (completerSignalisation) : le traitement reprendra à réception.',
      awaitComplement: true,
    },
    { to: 'EN_COURS', comment: 'Complément reçu, traitement repris.' },
    CLOSED,
    VALIDATED,
  ],
};

/** The states a ticket of this scenario goes through after EN_DEPOT, in order. */
export function statesOf(name: ScenarioName): TicketState[] {
  return SCENARIOS[name].map((s) => s.to);
}
