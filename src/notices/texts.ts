// Shared wording of the notices: French, plain text, Paris time spelled out.
import { DateTime } from 'luxon';
import { PARIS } from '../calendar/index.js';

/** "mardi 8 décembre 2026 à 22:00" (Paris wall clock). */
export function frDateTime(d: Date): string {
  return DateTime.fromMillis(d.getTime(), { zone: PARIS }).setLocale('fr').toFormat("cccc d LLLL yyyy 'à' HH:mm");
}

/** "lundi 7 juin 2027" from an instant (its Paris date) or a YYYY-MM-DD date. */
export function frDate(d: Date | string): string {
  const dt = typeof d === 'string' ? DateTime.fromISO(d, { zone: PARIS }) : DateTime.fromMillis(d.getTime(), { zone: PARIS });
  return dt.setLocale('fr').toFormat('cccc d LLLL yyyy');
}

/** "3 h", "1 h 30", "45 min". */
export function frDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')}`;
}

export interface OperatorRef {
  siren: string;
  name: string;
}

export const GREETING = 'Bonjour,';

export const SIGNATURE = [
  '--',
  'Le service e-SAV du Fournisseur de Services',
  'Message envoyé automatiquement. Pour toute question sur e-SAV, déposez une demande e-soutien',
  '(web service soutien, opération ouvrirTicketSoutien).',
].join('\n');

/** Greeting, the operator it is for, paragraphs, signature. */
export function letter(op: OperatorRef | undefined, paragraphs: string[]): string {
  const head = op ? [GREETING, '', `Opérateur : ${op.name} (SIREN ${op.siren})`] : [GREETING];
  return [...head, '', ...paragraphs.flatMap((p) => [p, '']), SIGNATURE, ''].join('\n');
}
