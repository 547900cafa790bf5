/**
 * Ticket states of the contract (article 4.2.2) and the transitions the provider's SAV may make.
 * Wire values are these codes; labels are the contract's words.
 */
export const STATES = {
  EN_DEPOT: 'en dépôt',
  EN_QUALIFICATION: 'en qualification',
  EN_COURS: 'en cours',
  GELE: 'gelé',
  CLOS: 'clos',
  VALIDE: 'validé',
  CLOS_TABLEAU_DE_BORD: 'clos tableau de bord',
  EN_REJET: 'en rejet',
} as const;

export type TicketState = keyof typeof STATES;

export const TRANSITIONS: Record<TicketState, TicketState[]> = {
  // Admissibility check: accepted (qualification) or not admissible (rejet).
  EN_DEPOT: ['EN_QUALIFICATION', 'EN_REJET'],
  EN_QUALIFICATION: ['EN_COURS', 'GELE', 'CLOS'],
  EN_COURS: ['GELE', 'CLOS'],
  // Waiting for the operator; back to work once it answered (or closed without answer).
  GELE: ['EN_COURS', 'EN_QUALIFICATION', 'CLOS'],
  // Treated; validé once the closing notice was sent.
  CLOS: ['VALIDE', 'EN_COURS', 'CLOS_TABLEAU_DE_BORD'],
  VALIDE: ['CLOS_TABLEAU_DE_BORD'],
  CLOS_TABLEAU_DE_BORD: [],
  EN_REJET: ['CLOS_TABLEAU_DE_BORD'],
};

export const CLOSED_STATES: TicketState[] = ['CLOS', 'VALIDE', 'CLOS_TABLEAU_DE_BORD', 'EN_REJET'];

export function isTicketState(s: string): s is TicketState {
  return Object.prototype.hasOwnProperty.call(STATES, s);
}

/** States in which the ticket is treated and closed: closed_at is set on entering the first two. */
export const CLOSING_STATES: TicketState[] = ['CLOS', 'EN_REJET'];

/**
 * Annexe P1: the Interop'Fibre view of an FTTH ticket. "En cours" groups the original states
 * Openactive (being worked on), Deferred (waiting for the operator) and Queued (not yet taken).
 */
export function interopFibreView(state: TicketState): { etat: 'En cours' | 'Clos' | 'Annulé'; etatOrigine?: 'Openactive' | 'Deferred' | 'Queued' } {
  switch (state) {
    case 'EN_DEPOT':
    case 'EN_QUALIFICATION':
      return { etat: 'En cours', etatOrigine: 'Queued' };
    case 'EN_COURS':
      return { etat: 'En cours', etatOrigine: 'Openactive' };
    case 'GELE':
      return { etat: 'En cours', etatOrigine: 'Deferred' };
    case 'CLOS':
    case 'VALIDE':
    case 'CLOS_TABLEAU_DE_BORD':
      return { etat: 'Clos' };
    case 'EN_REJET':
      return { etat: 'Annulé' };
  }
}
