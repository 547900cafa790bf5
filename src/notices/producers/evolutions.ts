// Article 13: evolutions of e-SAV intégré (a new web-service version or form catalogue) are
// notified by e-mail, 2 months (minor) or 6 months (major) before their production date (the
// rule publish enforces). The notice is enqueued in the publishing transaction and gives the
// production date and, for the older version, the last day it answers.
import type { Pool } from '../../db/pool.js';
import type { Db } from '../contacts.js';
import { addCalendarDays } from '../../calendar/isoDate.js';
import { NOTICE_MONTHS, publish, type LifecycleRow, type PublishOutcome, type PublishRequest } from '../../lifecycle/versions.js';
import { notifyOperators, type OperatorNotice } from '../outbox.js';
import { frDate, letter, type OperatorRef } from '../texts.js';

const EVOLUTION = { minor: 'mineure', major: 'majeure' } as const;

export function evolutionNotice(op: OperatorRef, row: LifecycleRow, older?: { version: string; sunsetDate: string }): OperatorNotice {
  const catalogue = row.kind === 'catalogue';
  const what = catalogue ? `le catalogue de formulaires ${row.version}` : `la version ${row.version} du web service ${row.name}`;
  const kindWord = row.evolution ? `Évolution ${EVOLUTION[row.evolution]}` : 'Évolution';
  const paragraphs = [
    `Le Fournisseur de Services vous informe d'une ${kindWord.toLowerCase()} du service e-SAV intégré (article « Évolution d'e-SAV » des Conditions Spécifiques) : ` +
      `${what} entre en production le ${frDate(row.productionDate)}.`,
  ];
  if (row.evolution) {
    paragraphs.push(`Préavis : ${NOTICE_MONTHS[row.evolution]} mois (évolution ${EVOLUTION[row.evolution]}), annoncée le ${frDate(row.noticeDate ?? row.productionDate)}.`);
  }
  paragraphs.push(
    catalogue
      ? `Les formulaires sont publiés avec la liste des services (GET /ws) et à l'adresse /ws/catalogue/${row.version}/.`
      : `Le WSDL est disponible dès maintenant à l'adresse /ws/${row.name}/${row.version}?wsdl de la passerelle, pour préparer votre intégration.`,
  );
  if (older) {
    const last = addCalendarDays(older.sunsetDate, -1);
    paragraphs.push(
      catalogue
        ? `Le catalogue ${older.version} reste accepté jusqu'au ${frDate(last)} inclus ; à partir du ${frDate(older.sunsetDate)}, un dépôt qui le cite reçoit l'erreur CATALOGUE_INCONNU.`
        : `La version ${older.version} reste en service jusqu'au ${frDate(last)} inclus ; à partir du ${frDate(older.sunsetDate)}, elle ne répond plus (erreur VERSION_RETIREE). ` +
          `D'ici là, ses réponses portent l'en-tête avisEvolution.`,
    );
  }
  return {
    kind: 'evolution',
    dedupeKey: `evolution:${row.kind}:${row.name}:${row.version}:${op.siren}`,
    subject: `[e-SAV] ${kindWord} : ${catalogue ? `catalogue ${row.version}` : `${row.name} ${row.version}`} en production le ${frDate(row.productionDate)}`,
    text: letter(op, paragraphs),
  };
}

/** Every operator hears of the published version (once per version and operator). */
export function announceEvolution(db: Db, row: LifecycleRow, older: PublishOutcome['older'], now: Date): Promise<number> {
  return notifyOperators(db, null, (op) => evolutionNotice(op, row, older), now);
}

/** `esav version|catalogue publish`: the new version and its notices commit together. */
export async function publishWithNotices(pool: Pool, req: PublishRequest, now: Date): Promise<PublishOutcome & { notices: number }> {
  let notices = 0;
  const outcome = await publish(pool, req, now, async (c, o) => {
    notices = await announceEvolution(c, o.published, o.older, now);
  });
  return { ...outcome, notices };
}
