import type { ServiceBinding } from '../../soap/binding.js';
import { str } from '../../soap/toObject.js';
import { handlingSentence } from './hours.js';
import type { Category, SoutienState } from './repo.js';
import type { SoutienService } from './service.js';

/** XML <-> SoutienService for the `soutien` service (every live version). */
export function soutienBinding(soutien: SoutienService): ServiceBinding {
  return {
    service: 'soutien',
    // About the e-service itself: any registered operator certificate may file.
    scopes: ['esav', 'ftth'],
    operations: {
      async ouvrirTicketSoutien(input, ctx) {
        const t = await soutien.open(ctx.identity, {
          subject: str(input.objet)!,
          description: str(input.description)!,
          category: str(input.categorie) as Category,
          service: str(input.service),
          serviceVersion: str(input.version),
          requestId: str(input.idRequete),
          contactEmail: str(input.emailContact)!,
        });
        return {
          body: {
            referenceTicket: t.reference,
            etat: t.state,
            dateOuverture: t.openedAt,
            priseEnChargeAPartirDe: t.handlingFrom,
            message: `Demande enregistrée sous la référence ${t.reference} ; accusé de réception envoyé à ${t.contactEmail}. ${handlingSentence(t.openedAt)}`,
          },
        };
      },

      async completerTicketSoutien(input, ctx) {
        const r = await soutien.complete(ctx.identity, str(input.referenceTicket)!, str(input.complement)!);
        return { body: { referenceTicket: r.ticket.reference, etat: r.ticket.state, dateComplement: r.message.at, priseEnChargeAPartirDe: r.handlingFrom } };
      },

      async consulterTicketSoutien(input, ctx) {
        const { ticket: t, messages } = await soutien.consult(ctx.identity, str(input.referenceTicket)!);
        return {
          body: {
            referenceTicket: t.reference,
            etat: t.state,
            objet: t.subject,
            description: t.description,
            categorie: t.category,
            service: t.service,
            version: t.serviceVersion,
            idRequete: t.requestId,
            emailContact: t.contactEmail,
            dateOuverture: t.openedAt,
            priseEnChargeAPartirDe: t.handlingFrom,
            echange: messages.map((m) => ({ auteur: m.author, date: m.at, texte: m.text })),
            dateCloture: t.closedAt,
            compteRenduResolution: t.resolution,
          },
        };
      },

      async listerTicketsSoutien(input, ctx) {
        const list = await soutien.list(ctx.identity, str(input.etat) as SoutienState | undefined);
        return {
          body: {
            ticket: list.map((t) => ({ referenceTicket: t.reference, etat: t.state, objet: t.subject, categorie: t.category, dateOuverture: t.openedAt, dateCloture: t.closedAt })),
          },
        };
      },
    },
  };
}
