import type { ServiceBinding } from '../../soap/binding.js';
import { obj, str, type XmlObject } from '../../soap/toObject.js';
import type { TicketService } from './service.js';

/** XML <-> TicketService for the `signalisation` service (every live version). */
export function signalisationBinding(tickets: TicketService): ServiceBinding {
  return {
    service: 'signalisation',
    scopes: ['esav', 'ftth'],
    operations: {
      async deposerSignalisation(input: XmlObject, ctx) {
        const fault = obj(input.defautDeclare)!;
        const contact = obj(input.contactSurSite);
        const receipt = await tickets.deposit(ctx.identity, {
          prestationId: str(input.identifiantPrestation)!,
          faultCode: str(fault.code)!,
          faultLabel: str(fault.libelle)!,
          comment: str(input.commentaire),
          externalRef: str(input.referenceExterne),
          extras: contact ? { contactSurSite: contact } : undefined,
          serviceVersion: ctx.version.version,
        });
        return {
          body: {
            referenceSignalisation: receipt.reference,
            dateDepot: receipt.depositedAt,
            etat: receipt.state,
          },
        };
      },
    },
  };
}
