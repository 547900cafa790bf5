import type { ServiceBinding } from '../../soap/binding.js';
import { obj, str } from '../../soap/toObject.js';
import type { TestService } from './service.js';

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));

/** XML <-> TestService for the e-SAV `test` service (every live version). */
export function testBinding(tests: TestService): ServiceBinding {
  return {
    service: 'test',
    // FTTH prestations need an ftth certificate, others an esav one: checked per prestation.
    scopes: ['esav', 'ftth'],
    operations: {
      async listerTestsDisponibles(input, ctx) {
        const { prestation, tests: offered } = await tests.available(ctx.identity, str(input.identifiantPrestation)!);
        return {
          body: {
            identifiantPrestation: prestation.prestationId,
            offre: prestation.offerCode,
            testsDisponibles: offered.length > 0,
            test: offered.map((t) => ({ type: t.code, libelle: t.label })),
            motif: offered.length ? undefined : `Aucun test à distance n'est ouvert pour l'offre ${prestation.offerCode}.`,
          },
        };
      },

      async lancerTest(input, ctx) {
        const t = await tests.launch(ctx.identity, str(input.identifiantPrestation)!, str(input.typeTest)!, str(input.referenceExterne));
        return { body: { idTest: t.id, etat: t.state, dateLancement: t.requestedAt } };
      },

      async consulterResultatTest(input, ctx) {
        const t = await tests.result(ctx.identity, str(input.idTest)!);
        return {
          body: {
            idTest: t.id,
            identifiantPrestation: t.prestationId,
            typeTest: t.testType,
            referenceExterne: t.externalRef,
            etat: t.state,
            dateLancement: t.requestedAt,
            dateDebut: t.startedAt,
            dateFin: t.finishedAt,
            verdict: t.verdict,
            origineProbable: t.origin,
            mesure: t.measures.map((m) => ({ nom: m.name, valeur: m.value, unite: m.unit, date: m.at })),
            erreur: t.errorCode ? { code: t.errorCode, libelle: t.errorMessage ?? t.errorCode } : undefined,
          },
        };
      },

      async consulterTravauxIncidents(input, ctx) {
        const p = obj(input.periode);
        const prestationId = str(input.identifiantPrestation)!;
        const works = await tests.worksAndIncidents(ctx.identity, prestationId, p && { from: date(str(p.debut)), to: date(str(p.fin)) });
        return {
          body: {
            identifiantPrestation: prestationId,
            travaux: works.map((w) => ({
              reference: w.reference,
              nature: w.type === 'TP' ? 'TP' : 'INCIDENT',
              etat: w.state,
              equipementConcerne: w.equipment,
              dateDebut: w.startsAt,
              dateFin: w.endsAt,
              interventionRequiseOC: w.interventionRequired,
              commentaire: w.comment,
              referenceIncident: w.incidentRef,
              dateModification: w.modifiedAt,
            })),
          },
        };
      },
    },
  };
}
