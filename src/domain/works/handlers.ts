import type { ServiceBinding } from '../../soap/binding.js';
import { asList, obj, str, type XmlObject } from '../../soap/toObject.js';
import { escapeXml, type OutObject } from '../../soap/serialize.js';
import type { WorkService } from './service.js';
import type { Period, Work, WorkFilter, WorkState, WorkType } from './repo.js';

export const INTEROP_TRAVAUX_NS = 'http://interop-fibre.fr/wsdl/ftth/infoTravaux/v1-0';

/**
 * codeRetour of infoFtthError (the Interop'Fibre fault has a number, not our codes): the e-SAV
 * code stays first in messageRetour so that a client can still tell the cases apart.
 */
export const INTEROP_CODE_RETOUR: Record<string, number> = {
  SCHEMA_INVALIDE: 10,
  PERIODE_INVALIDE: 11,
  XML_MALFORME: 12,
  PERIMETRE_CERTIFICAT: 20,
  CERTIFICAT_ABSENT: 21,
  CERTIFICAT_INCONNU: 21,
  CERTIFICAT_REVOQUE: 21,
  CERTIFICAT_EXPIRE: 21,
  CERTIFICAT_PAS_ENCORE_VALIDE: 21,
  CERTIFICAT_INACTIF: 21,
  CERTIFICAT_USAGE_INCORRECT: 21,
  OPERATEUR_SUSPENDU: 22,
  ERREUR_INTERNE: 90,
  SERVICE_INDISPONIBLE: 91,
};
/** Any other client-side error (envelope, SOAPAction, operation, encoding...). */
const OTHER_CLIENT = 30;

const yes = (v: string | undefined) => (v === undefined ? undefined : v === 'OUI');
const ouiNon = (b: boolean | undefined) => (b === undefined ? undefined : b ? 'OUI' : 'NON');

function period(v: XmlObject | undefined): Period | undefined {
  if (!v) return undefined;
  return { from: new Date(str(v.dateDebutRecherche)!), to: new Date(str(v.dateFinRecherche)!) };
}

function listOf(item: string, values: string[]): OutObject | undefined {
  return values.length ? { [item]: values } : undefined;
}

/** One work in the Interop'Fibre order of typeTravaux (xs:sequence). */
export function interopWork(w: Work, serviceProviderID: string): OutObject {
  return {
    '@reference': w.reference,
    '@serviceProviderID': serviceProviderID,
    type: w.type,
    equipementConcerne: w.equipment,
    referencePm: w.pmRef,
    referencePrestationPm: w.pmPrestationRef,
    dateModification: w.modifiedAt,
    interventionRequiseOC: ouiNon(w.interventionRequired),
    dateDebutTravaux: w.startsAt,
    dateFinTravaux: w.endsAt,
    travauxCuratifs: ouiNon(w.curative),
    natureIntervention: w.nature,
    etat: w.state,
    referencePBO: listOf('PBO', w.pboRefs),
    referencePmTechnique: listOf('PMT', w.pmtRefs),
    commentairesIntervention: w.comment,
    coordonneesContactOI: w.contact,
    identifiantImmeuble: listOf('immeuble', w.buildings),
    referencePriseImpactees: listOf('prise', w.impactedPlugs),
    referencePrestationPriseImpactees: listOf('prestation', w.impactedPrestations),
    referenceIncident: w.incidentRef,
    commentaireInterventionOC: w.operatorComment,
  };
}

/** XML <-> WorkService for Interop'Fibre infoTravauxFTTH (service travaux-ftth). */
export function travauxFtthBinding(works: WorkService): ServiceBinding {
  return {
    service: 'travaux-ftth',
    scopes: ['ftth'],
    understoodHeaders: ['InfoTravauxFTTHHeader'],
    faultDetail: (code, message) =>
      `<tns:infoFtthError xmlns:tns="${INTEROP_TRAVAUX_NS}"><codeRetour>${INTEROP_CODE_RETOUR[code] ?? OTHER_CLIENT}</codeRetour>` +
      `<messageRetour>${escapeXml(`${code} : ${message}`)}</messageRetour></tns:infoFtthError>`,
    operations: {
      async getInfoTravauxFTTH(input, ctx) {
        const filter: WorkFilter = {
          reference: str(input.referenceTPDERCO),
          type: str(input.type) as WorkType | undefined,
          pmPrestationRefs: asList(obj(input.referencePrestationPm)?.prestationPm).map(String),
          created: period(obj(input.dateCreation)),
          starts: period(obj(input.dateDebutTravaux)),
          ends: period(obj(input.dateFinTravaux)),
          interventionRequired: yes(str(input.interventionRequiseOC)),
          state: str(input.etat) as WorkState | undefined,
          plug: str(input.referencePriseImpactee),
          prestation: str(input.referencePrestationPriseImpactee),
        };
        const found = await works.search(ctx.identity.siren, filter);
        // The certificate decides what the operator sees; serviceProviderID is only echoed back.
        const spId = str(obj(ctx.headers.InfoTravauxFTTHHeader)?.serviceProviderID) ?? ctx.identity.siren;
        return { body: { listeTravaux: { travaux: found.map((w) => interopWork(w, spId)) } } };
      },
    },
  };
}
