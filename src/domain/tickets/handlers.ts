import type { ServiceBinding } from '../../soap/binding.js';
import { asList, obj, str, type XmlObject } from '../../soap/toObject.js';
import type { OutObject } from '../../soap/serialize.js';
import type { AttachedForm, TicketService } from './service.js';
import type { CatalogueRegistry } from '../../catalogue/registry.js';
import { validateForm } from '../../catalogue/validate.js';
import { elementChildren } from '../../soap/xml.js';
import { attrValue } from '../../soap/treeReader.js';
import type { XmlElement } from 'libxml2-wasm';
import type { SummaryRow } from './repo.js';

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

function summary(r: SummaryRow): OutObject {
  return {
    referenceSignalisation: r.reference,
    referenceExterne: r.externalRef,
    identifiantPrestation: r.prestationId,
    offre: r.offerCode,
    etat: r.state,
    dateEtat: r.stateSince,
    dateDepot: r.depositedAt,
    dateCloture: r.closedAt,
  };
}

function period(v: XmlObject | undefined): { from?: Date; to?: Date } {
  return { from: date(str(v?.debut)), to: date(str(v?.fin)) };
}

/** XML <-> TicketService for the `signalisation` service (every live version). */
function attachedForm(catalogues: CatalogueRegistry, payload: XmlElement, input: XmlObject): AttachedForm | undefined {
  if (input.formulaire === undefined) return undefined;
  const el = elementChildren(payload).find((c) => c.name === 'formulaire')!;
  // Both attributes are required by the schema, which the payload has passed.
  const catalogue = attrValue(el, 'catalogue')!;
  const code = attrValue(el, 'code')!;
  return { catalogue, code, validate: (offerCode) => validateForm(catalogues, catalogue, code, elementChildren(el)[0], offerCode) };
}

export function signalisationBinding(tickets: TicketService, catalogues: CatalogueRegistry): ServiceBinding {
  return {
    service: 'signalisation',
    scopes: ['esav', 'ftth'],
    // The form is validated against its catalogue XSD and converted by validateForm.
    opaqueElements: new Set(['formulaire']),
    operations: {
      async deposerSignalisation(input, ctx) {
        const fault = obj(input.defautDeclare)!;
        const contact = obj(input.contactSurSite);
        const receipt = await tickets.deposit(ctx.identity, {
          prestationId: str(input.identifiantPrestation)!,
          faultCode: str(fault.code)!,
          faultLabel: str(fault.libelle)!,
          comment: str(input.commentaire),
          externalRef: str(input.referenceExterne),
          form: attachedForm(catalogues, ctx.payload, input),
          appointmentId: str(input.idRendezVous),
          context: str(input.contexte) as 'PAS_DE_PLAGES_DISPONIBLES' | undefined,
          extras: contact ? { contactSurSite: contact } : undefined,
          serviceVersion: ctx.version.version,
        });
        return { body: { referenceSignalisation: receipt.reference, dateDepot: receipt.depositedAt, etat: receipt.state } };
      },

      async consulterEtatSignalisation(input, ctx) {
        const s = await tickets.state(ctx.identity, str(input.referenceSignalisation)!);
        return { body: { referenceSignalisation: s.reference, etat: s.state, dateEtat: s.since, interopFibre: s.interop && { etat: s.interop.etat, etatOrigine: s.interop.etatOrigine } } };
      },

      async consulterDetailSignalisation(input, ctx) {
        const d = await tickets.detail(ctx.identity, str(input.referenceSignalisation)!);
        const t = d.ticket;
        const form = t.details.formulaire?.data as Record<string, any> | undefined;
        return {
          body: {
            referenceSignalisation: t.reference,
            referenceExterne: t.externalRef,
            datePriseEnCompte: t.depositedAt,
            etat: t.state,
            dateEtat: t.stateSince,
            prestation: { identifiantPrestation: t.prestationId, offre: t.offerCode, extremiteA: t.endA, extremiteZ: t.endZ, informationsComplementaires: t.prestationInfo },
            defautDeclare: { code: t.faultCode, libelle: t.faultLabel },
            commentaire: t.comment,
            garantieService: d.guarantee && { type: d.guarantee.type, niveau: d.guarantee.level, echeance: d.guarantee.deadline },
            idRendezVous: t.details.idRendezVous,
            commentaireSav: d.savComments.map((c) => ({ date: c.at, auteur: c.actor, texte: c.body })),
            complementOperateur: d.operatorComplements.map((c) => ({ date: c.at, auteur: c.actor, texte: c.body })),
            historiqueEtat: d.events.map((e) => ({ date: e.at, etatPrecedent: e.fromState, etat: e.toState, acteur: e.actor, commentaire: e.comment })),
            ftth: d.interop && {
              dateDerniereInteraction: t.lastInteractionAt,
              dateDebut: t.depositedAt,
              refPto: (form?.refPto as string | undefined) ?? t.refPto,
              siren: (form?.sirenSiteClient as string | undefined) ?? t.siren,
              etat: d.interop.etat,
              etatOrigine: d.interop.etatOrigine,
              etatResolution: t.details.etatResolution,
              dateCloture: t.closedAt,
            },
          },
        };
      },

      async consulterHistoriqueSignalisations(input, ctx) {
        const rows = await tickets.history(ctx.identity, {
          reference: str(input.referenceSignalisation),
          prestationId: str(input.identifiantPrestation),
          ...period(obj(input.periodeCloture)),
        });
        return { body: { signalisation: rows.map(summary) } };
      },

      async rechercherSignalisations(input, ctx) {
        const page = Number(str(input.page) ?? 1);
        const pageSize = Number(str(input.taillePage) ?? 20);
        const p = period(obj(input.periodeDepot));
        const out = await tickets.search(
          ctx.identity,
          { states: asList(input.etat).map(String), prestationId: str(input.identifiantPrestation), offerCode: str(input.offre), depositedFrom: p.from, depositedTo: p.to },
          page,
          pageSize,
        );
        return { body: { nombreTotal: out.total, page, taillePage: pageSize, signalisation: out.rows.map(summary) } };
      },

      async completerSignalisation(input, ctx) {
        const r = await tickets.complete(ctx.identity, str(input.referenceSignalisation)!, str(input.complement)!);
        return { body: { referenceSignalisation: r.reference, etat: r.state, dateComplement: r.at } };
      },
    },
  };
}
