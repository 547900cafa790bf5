// Certificate renewal reminders on the renewal calendar (article 5: renewal date = expiry minus
// 15 working days). Two reminders per certificate not yet renewed, each once (dedupe key):
// "rappel" from REMINDER_WORKING_DAYS working days before the renewal date, "echeance" once the
// renewal date has come. Run by the periodic notice scan.
import type { Db } from '../contacts.js';
import { subtractWorkingDaysFromInstant } from '../../calendar/index.js';
import { dueRenewals, RENEWAL_WORKING_DAYS, SWITCH_CALENDAR_DAYS, type DueRenewal } from '../../pki/store.js';
import { notifyOperators, type OperatorNotice } from '../outbox.js';
import { frDate, frDateTime, letter, type OperatorRef } from '../texts.js';

/** The first reminder goes out this many working days before the renewal date. */
export const REMINDER_WORKING_DAYS = 10;

export type ReminderStage = 'rappel' | 'echeance';

/** Which reminder is due for this certificate at `now`, if any. */
export function reminderStage(d: Pick<DueRenewal, 'renewalDate'>, now: Date): ReminderStage | undefined {
  if (now.getTime() >= d.renewalDate.getTime()) return 'echeance';
  if (now.getTime() >= subtractWorkingDaysFromInstant(d.renewalDate, REMINDER_WORKING_DAYS).getTime()) return 'rappel';
  return undefined;
}

export function renewalNotice(op: OperatorRef, d: DueRenewal, stage: ReminderStage): OperatorNotice {
  const cert = `Certificat d'authentification : périmètre ${d.scope}, empreinte SHA-256 ${d.fingerprint}\nExpiration : ${frDateTime(d.notAfter)} (heure de Paris)`;
  const provider = d.source === 'provider';
  const paragraphs =
    stage === 'rappel'
      ? [
          `Le certificat d'authentification e-SAV intégré ci-dessous arrive à expiration. Sa date de renouvellement est le ${frDate(d.renewalDate)} ` +
            `(${RENEWAL_WORKING_DAYS} jours ouvrés avant l'expiration).`,
          cert,
          provider
            ? `Le Fournisseur de Services vous fera parvenir le nouveau certificat au plus tard le ${frDate(d.renewalDate)}. ` +
              `Si vous préférez un certificat d'une autorité de certification reconnue, faites-le parvenir au Fournisseur de Services au plus tard le ` +
              `${frDate(d.switchDeadline ?? new Date(d.notAfter.getTime() - SWITCH_CALENDAR_DAYS * 86_400_000))} (${SWITCH_CALENDAR_DAYS} jours calendaires avant l'expiration).`
            : `Faites parvenir votre nouveau certificat au Fournisseur de Services au plus tard le ${frDate(d.renewalDate)} ; ` +
              "au-delà, sa prise en compte avant l'expiration du certificat en cours n'est pas garantie.",
          "Installez le nouveau certificat avant l'expiration : les deux certificats sont acceptés pendant le recouvrement.",
        ]
      : [
          `La date de renouvellement (${frDate(d.renewalDate)}) du certificat d'authentification e-SAV intégré ci-dessous est atteinte et aucun certificat ne le remplace encore.`,
          cert,
          provider
            ? 'Le Fournisseur de Services prépare le nouveau certificat ; si vous ne l\'avez pas reçu, déposez une demande e-soutien (catégorie CERTIFICAT).'
            : "Faites parvenir sans délai votre nouveau certificat au Fournisseur de Services : sa prise en compte avant l'expiration n'est plus garantie.",
          "À l'expiration, les appels avec ce certificat seront refusés (erreur CERTIFICAT_EXPIRE).",
        ];
  return {
    kind: 'certificat',
    dedupeKey: `certificat:${d.fingerprint}:${stage}`,
    subject:
      stage === 'rappel'
        ? `[e-SAV] Renouvellement de votre certificat ${d.scope} : date de renouvellement le ${frDate(d.renewalDate)}`
        : `[e-SAV] Certificat ${d.scope} non renouvelé : expiration le ${frDate(d.notAfter)}`,
    text: letter(op, paragraphs),
  };
}

/** Enqueues the reminders due at `now` (idempotent). Returns how many were new. */
export async function certificateReminders(db: Db, now: Date): Promise<number> {
  let created = 0;
  // Renewal dates within a month: wider than REMINDER_WORKING_DAYS working days, holidays included.
  for (const d of await dueRenewals(db, now, 31)) {
    const stage = reminderStage(d, now);
    if (stage) created += await notifyOperators(db, d.siren, (op) => renewalNotice(op, d, stage), now);
  }
  return created;
}
