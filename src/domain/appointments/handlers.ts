import type { OperationContext, ServiceBinding } from '../../soap/binding.js';
import { obj, str, type XmlObject } from '../../soap/toObject.js';
import { escapeXml, RawXml } from '../../soap/serialize.js';
import { DomainError } from '../errors.js';
import type { AppointmentService, InterventionType, ReportNature } from './service.js';

const NS = 'http://interop-fibre.fr';

/**
 * codeErreur of the Interop'Fibre InfoErreurType (an xs:int) for each stable code. The French
 * code is also in faultstring ("[CODE] message"). Unlisted client codes (transport, schema,
 * certificate) are 400, server ones 500.
 */
export const ERROR_NUMBERS: Record<string, number> = {
  ENTETE_ABSENTE: 100,
  SIREN_OC_INCORRECT: 101,
  SIREN_OI_INCORRECT: 102,
  SCHEMA_INVALIDE: 110,
  RECHERCHE_INDISPONIBLE: 200,
  PERIODE_INVALIDE: 201,
  PERIODE_TROP_LONGUE: 202,
  CODE_INSEE_INVALIDE: 203,
  CRENEAU_INCONNU: 300,
  CRENEAU_EXPIRE: 301,
  CRENEAU_INDISPONIBLE: 302,
  RDV_INCONNU: 400,
  RDV_ANNULE: 401,
  REPORT_INCOMPATIBLE: 402,
  SERVICE_INDISPONIBLE: 503,
  ERREUR_INTERNE: 500,
};

export function infoErreur(code: string, message: string): string {
  const n = ERROR_NUMBERS[code] ?? (code === 'ERREUR_INTERNE' ? 500 : 400);
  return `<tns:InfoErreurType xmlns:tns="${NS}"><codeErreur>${n}</codeErreur><messageErreur>${escapeXml(`[${code}] ${message}`)}</messageErreur></tns:InfoErreurType>`;
}

/** Checks the EnteteType header and returns the response's one (horodatageReponse filled). */
function header(ctx: OperationContext, providerSiren: string, now: Date): string {
  const h = obj(ctx.headers.EnteteType);
  if (!h) throw new DomainError('ENTETE_ABSENTE', 'L\'en-tête SOAP EnteteType (http://interop-fibre.fr) est obligatoire : versionWS, horodatageRequete, sirenOC, sirenOI.');
  const sirenOC = str(h.sirenOC) ?? '';
  const sirenOI = str(h.sirenOI) ?? '';
  if (sirenOC !== ctx.identity.siren) {
    throw new DomainError('SIREN_OC_INCORRECT', `sirenOC (${sirenOC}) doit être le SIREN de l'opérateur du certificat (${ctx.identity.siren}).`);
  }
  if (sirenOI !== providerSiren) throw new DomainError('SIREN_OI_INCORRECT', `sirenOI (${sirenOI}) doit être le SIREN du Fournisseur (${providerSiren}).`);
  return (
    `<tns:EnteteType xmlns:tns="${NS}"><versionWS>${escapeXml(str(h.versionWS) ?? '')}</versionWS>` +
    `<horodatageRequete>${escapeXml(str(h.horodatageRequete) ?? '')}</horodatageRequete><horodatageReponse>${now.toISOString()}</horodatageReponse>` +
    `<sirenOC>${escapeXml(sirenOC)}</sirenOC><sirenOI>${escapeXml(sirenOI)}</sirenOI></tns:EnteteType>`
  );
}

/** XML <-> AppointmentService for `rdv-ftth` (Interop'Fibre plan de charge SAV FTTH). */
export function rdvFtthBinding(appointments: AppointmentService, providerSiren: string, clock: () => Date = () => new Date()): ServiceBinding {
  const run = (fn: (input: XmlObject, ctx: OperationContext) => Promise<object>) => async (input: XmlObject, ctx: OperationContext) => {
    const headerXml = header(ctx, providerSiren, clock());
    const body = await fn(input, ctx);
    return { body: body as Record<string, never>, headerXml };
  };
  return {
    service: 'rdv-ftth',
    scopes: ['ftth'],
    understoodHeaders: ['EnteteType'],
    faultDetail: infoErreur,
    operations: {
      rechercheCreneauxLibres: run(async (input, ctx) => {
        const answer = await appointments.search(ctx.identity, {
          type: str(input.typeIntervention) as InterventionType,
          natureProduit: str(input.natureProduit)!,
          segment: str(input.segmentMarche)!,
          zone: str(input.codeInsee)!,
          from: new Date(str(input.dateDebut)!),
          to: new Date(str(input.dateFin)!),
          defect: str(input.defectPrelocalization)!,
        });
        // Each window's XML is prepared once per process (zonePlans.ts); only the search id differs.
        let xml = '';
        for (const w of answer.windows) xml += w.head + answer.searchId + w.tail;
        return { listeCreneau: new RawXml(xml) };
      }),
      reservationCreneau: run(async (input, ctx) => {
        const id = await appointments.reserve(ctx.identity, {
          natureProduit: str(input.natureProduit)!,
          segment: str(input.segmentMarche)!,
          zone: str(input.codeInsee)!,
          slotId: str(input.idCreneau)!,
        });
        return { idRendezvous: id };
      }),
      consultationRdv: run(async (input, ctx) => {
        const a = await appointments.consult(ctx.identity, str(input.idRendezVous)!);
        return {
          idRendezVous: a.id,
          dateDebut: a.startsAt,
          dateFin: a.endsAt,
          codeInsee: a.zone,
          typeIntervention: a.type,
          natureProduit: a.natureProduit,
          segmentMarche: a.segment,
          statutRendezVous: a.status,
          referencePrestationPrise: a.ticketReference,
        };
      }),
      reportRDV: run(async (input, ctx) => {
        await appointments.report(ctx.identity, {
          id: str(input.idRendezvous)!,
          nature: str(input.natureReport) as ReportNature,
          zone: str(input.codeInsee)!,
          type: str(input.typeIntervention) as InterventionType,
          slotId: str(input.idCreneau)!,
        });
        return {};
      }),
    },
  };
}
