// The e-mails of e-soutien (annexe 3): acknowledgement with the reference, the desk's messages,
// the resolution report; and the desk's own copies of new tickets and complements.
import type { Notice } from '../../notices/outbox.js';
import { frDateTime, letter } from '../../notices/texts.js';
import { handlingSentence } from './hours.js';
import type { SoutienMessage, SoutienTicket } from './repo.js';

const op = (t: SoutienTicket) => ({ siren: t.siren, name: t.operatorName });

function summary(t: SoutienTicket): string {
  return [
    `Référence : ${t.reference}`,
    `Objet : ${t.subject}`,
    `Catégorie : ${t.category}`,
    ...(t.service ? [`Service concerné : ${t.service}${t.serviceVersion ? ` ${t.serviceVersion}` : ''}`] : []),
    ...(t.requestId ? [`Identifiant de requête : ${t.requestId}`] : []),
    `Adresse de contact : ${t.contactEmail}`,
    'Description :',
    t.description,
  ].join('\n');
}

const howToAdd = (t: SoutienTicket, replyTo: string | undefined) =>
  `Pour apporter un complément d'information ou demander où en est le traitement, utilisez le « retour sur ticket ouvert » ` +
  `(opération completerTicketSoutien du web service soutien) avec la référence ${t.reference}${replyTo ? ', ou répondez à ce message' : ''}.`;

export function acknowledgement(t: SoutienTicket, replyTo?: string): Notice {
  return {
    kind: 'soutien-accuse',
    dedupeKey: `soutien:${t.reference}:accuse`,
    siren: t.siren,
    to: [t.contactEmail],
    replyTo,
    subject: `[e-soutien] Accusé de réception ${t.reference} : ${t.subject}`,
    text: letter(op(t), [
      `Votre demande e-soutien a bien été enregistrée le ${frDateTime(t.openedAt)} (heure de Paris) sous la référence ${t.reference}.`,
      handlingSentence(t.openedAt),
      summary(t),
      howToAdd(t, replyTo),
      'Un compte-rendu de résolution vous sera envoyé par courrier électronique une fois la demande traitée.',
    ]),
  };
}

export function deskMessage(t: SoutienTicket, m: SoutienMessage, replyTo?: string): Notice {
  return {
    kind: 'soutien-message',
    dedupeKey: `soutien:${t.reference}:message:${m.id}`,
    siren: t.siren,
    to: [t.contactEmail],
    replyTo,
    subject: `[e-soutien] ${t.reference} : message du soutien`,
    text: letter(op(t), [
      `Le soutien e-SAV a ajouté un message à votre demande ${t.reference} (« ${t.subject} ») le ${frDateTime(m.at)} (heure de Paris) :`,
      m.text,
      howToAdd(t, replyTo),
    ]),
  };
}

export function resolutionReport(t: SoutienTicket, replyTo?: string): Notice {
  return {
    kind: 'soutien-resolution',
    dedupeKey: `soutien:${t.reference}:cloture`,
    siren: t.siren,
    to: [t.contactEmail],
    replyTo,
    subject: `[e-soutien] Compte-rendu de résolution ${t.reference} : ${t.subject}`,
    text: letter(op(t), [
      `Votre demande e-soutien ${t.reference} (« ${t.subject} »), déposée le ${frDateTime(t.openedAt)}, a été traitée et clôturée le ${frDateTime(t.closedAt!)} (heure de Paris).`,
      `Compte-rendu de résolution :\n${t.resolution}`,
      `Si le problème persiste, déposez une nouvelle demande (ouvrirTicketSoutien) en citant la référence ${t.reference}.`,
    ]),
  };
}

/** The desk's copy of a new ticket. */
export function deskNewTicket(t: SoutienTicket, desk: string): Notice {
  return {
    kind: 'soutien-support',
    dedupeKey: `soutien:${t.reference}:nouveau:support`,
    to: [desk],
    replyTo: t.contactEmail,
    subject: `[e-soutien] Nouveau ticket ${t.reference} (${t.operatorName}, SIREN ${t.siren}) : ${t.subject}`,
    text: letter(undefined, [
      `Nouvelle demande e-soutien de l'opérateur ${t.operatorName} (SIREN ${t.siren}), déposée le ${frDateTime(t.openedAt)}, à examiner à partir du ${frDateTime(t.handlingFrom)} (heure de Paris).`,
      summary(t),
      `Répondre : POST /soutien/${t.reference}/comments ; clore : POST /soutien/${t.reference}/close (listener d'administration) ou esav soutien comment|close.`,
    ]),
  };
}

/** The desk's copy of an operator's complement. */
export function deskComplement(t: SoutienTicket, m: SoutienMessage, desk: string): Notice {
  return {
    kind: 'soutien-support',
    dedupeKey: `soutien:${t.reference}:complement:${m.id}:support`,
    to: [desk],
    replyTo: t.contactEmail,
    subject: `[e-soutien] Complément sur ${t.reference} (${t.operatorName}) : ${t.subject}`,
    text: letter(undefined, [`Complément de l'opérateur ${t.operatorName} (SIREN ${t.siren}) le ${frDateTime(m.at)} (heure de Paris) :`, m.text]),
  };
}
