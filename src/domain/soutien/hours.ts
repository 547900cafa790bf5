// When the e-soutien desk looks at a ticket (Conditions Spécifiques e-SAV, "Signalisation des
// incidents"): Monday to Saturday, except public holidays, 8:00 to 18:00, metropolitan time.
import { isSupportOpen, nextSupportOpening } from '../../calendar/index.js';
import { frDateTime } from '../../notices/texts.js';

export const HANDLING_HOURS = 'du lundi au samedi, hors jours fériés, de 8 heures à 18 heures (heure de métropole)';

/** The instant the desk looks at something filed at `at`: at once within hours, else the next opening. */
export function handlingFrom(at: Date): Date {
  return nextSupportOpening(at);
}

/** The acknowledgement's sentence on when the ticket will be looked at. */
export function handlingSentence(at: Date): string {
  const from = handlingFrom(at);
  return isSupportOpen(at)
    ? `Votre demande est prise en charge dès maintenant (${frDateTime(from)}, heure de Paris) : les demandes sont traitées ${HANDLING_HOURS}.`
    : `Les demandes sont traitées ${HANDLING_HOURS} : la vôtre sera examinée à partir du ${frDateTime(from)} (heure de Paris).`;
}
