// Article 7: a limit on requests per minute is announced to the operators it applies to the day
// before it takes effect at the latest (setLimit refuses a later announcement). The notice is
// enqueued in the transaction that records the decision, so it goes out at once.
import { inTransaction, type Pool } from '../../db/pool.js';
import type { Db } from '../contacts.js';
import { setLimit, type RateLimitRow } from '../../guards/rateLimit.js';
import { notifyOperators, type OperatorNotice } from '../outbox.js';
import { frDateTime, letter, type OperatorRef } from '../texts.js';

type Recorded = RateLimitRow & { id: number };

export function rateLimitNotice(op: OperatorRef, r: Recorded): OperatorNotice {
  const from = `${frDateTime(r.effectiveFrom)} (heure de Paris)`;
  const whom = r.siren === null ? 'de chaque opérateur' : 'de votre opérateur';
  if (r.perMinute === null) {
    return {
      kind: 'limite-debit',
      dedupeKey: `limite-debit:${r.id}:${op.siren}`,
      subject: `[e-SAV] Fin de la limitation du nombre de requêtes le ${frDateTime(r.effectiveFrom)}`,
      text: letter(op, [`La limitation du nombre de requêtes par minute ${whom} sur e-SAV est levée à partir du ${from}.`]),
    };
  }
  return {
    kind: 'limite-debit',
    dedupeKey: `limite-debit:${r.id}:${op.siren}`,
    subject: `[e-SAV] Limitation à ${r.perMinute} requêtes par minute à partir du ${frDateTime(r.effectiveFrom)}`,
    text: letter(op, [
      `Afin de garantir le bon fonctionnement d'e-SAV (article « Volumétrie » des Conditions Spécifiques), le Fournisseur de Services ` +
        `limite temporairement le nombre de requêtes ${whom} à ${r.perMinute} par minute, à partir du ${from} et jusqu'au retour au fonctionnement nominal.`,
      "Au-delà, un appel reçoit l'erreur SOAP LIMITE_DEBIT_DEPASSEE avec l'instant où réessayer (en-tête Retry-After). " +
        'Les minutes sont des minutes calendaires ; les appels refusés comptent.',
    ]),
  };
}

/** Announces a recorded decision to the operators it concerns (one, or all). */
export function announceRateLimit(db: Db, r: Recorded, now: Date): Promise<number> {
  return notifyOperators(db, r.siren, (op) => rateLimitNotice(op, r), now);
}

/** `esav ratelimit set`: the decision and its notices commit together. */
export function recordRateLimit(pool: Pool, row: RateLimitRow, now: Date): Promise<Recorded & { notices: number }> {
  return inTransaction(pool, async (c) => {
    const r = await setLimit(c, row, now);
    return { ...r, notices: await announceRateLimit(c, r, now) };
  });
}
