// Article 11.2: planned interruptions are announced by e-mail to every operator, with the dates,
// times and planned duration, at least 2 working days ahead (the rule addWindow enforces). The
// notices are enqueued in the transaction that records the window; urgent ones say so.
import { inTransaction, type Pool } from '../../db/pool.js';
import type { Db } from '../contacts.js';
import { addWindow, cancelWindow, type MaintenanceWindow } from '../../guards/maintenance.js';
import { notifyOperators, type OperatorNotice } from '../outbox.js';
import { frDateTime, frDuration, letter, type OperatorRef } from '../texts.js';

type Recorded = MaintenanceWindow & { id: number };

export function maintenanceNotice(op: OperatorRef, w: Recorded): OperatorNotice {
  const when = [
    `Début : ${frDateTime(w.startsAt)} (heure de Paris)`,
    `Fin prévue : ${frDateTime(w.endsAt)} (heure de Paris)`,
    `Durée prévisionnelle : ${frDuration(w.endsAt.getTime() - w.startsAt.getTime())}`,
    `Motif : ${w.reason}`,
    `Référence de l'interruption : ${w.id}`,
  ].join('\n');
  const effect =
    "Pendant l'interruption, chaque appel aux web services e-SAV (e-soutien compris) reçoit l'erreur SOAP " +
    "MAINTENANCE_EN_COURS avec l'heure de fin prévue (en-tête Retry-After) ; les WSDL restent consultables.";
  return w.urgent
    ? {
        kind: 'maintenance',
        dedupeKey: `maintenance:${w.id}:${op.siren}`,
        subject: `[e-SAV] Interruption urgente du service le ${frDateTime(w.startsAt)}`,
        text: letter(op, [
          "Le Fournisseur de Services doit réaliser une intervention urgente entraînant une interruption du service e-SAV, " +
            "sans le préavis habituel de deux jours ouvrés. Nous vous prions de nous excuser pour la gêne occasionnée.",
          when,
          effect,
        ]),
      }
    : {
        kind: 'maintenance',
        dedupeKey: `maintenance:${w.id}:${op.siren}`,
        subject: `[e-SAV] Travaux programmés : interruption du service le ${frDateTime(w.startsAt)}`,
        text: letter(op, [
          'Le Fournisseur de Services réalisera une intervention programmée entraînant une interruption du service e-SAV ' +
            '(article « Maintenance et travaux programmés » des Conditions Spécifiques).',
          when,
          effect,
        ]),
      };
}

export function maintenanceCancelNotice(op: OperatorRef, w: Recorded): OperatorNotice {
  return {
    kind: 'maintenance',
    dedupeKey: `maintenance-annulation:${w.id}:${op.siren}`,
    subject: `[e-SAV] Annulation de l'interruption du ${frDateTime(w.startsAt)}`,
    text: letter(op, [
      `L'interruption du service e-SAV annoncée du ${frDateTime(w.startsAt)} au ${frDateTime(w.endsAt)} (heure de Paris) ` +
        `est annulée (référence ${w.id}, motif annoncé : ${w.reason}). Le service reste disponible.`,
    ]),
  };
}

/** Announces a recorded window to every operator (idempotent: one notice per window and operator). */
export function announceMaintenance(db: Db, w: Recorded, now: Date): Promise<number> {
  return notifyOperators(db, null, (op) => maintenanceNotice(op, w), now);
}

/** `esav maintenance add`: the window and its notices commit together. */
export function recordMaintenance(pool: Pool, w: MaintenanceWindow, now: Date): Promise<Recorded & { notices: number }> {
  return inTransaction(pool, async (c) => {
    const added = (await addWindow(c, w, now)) as Recorded;
    return { ...added, notices: await announceMaintenance(c, added, now) };
  });
}

/** `esav maintenance cancel`: operators told of the window are told it is off. */
export function cancelMaintenance(pool: Pool, id: number, now: Date): Promise<boolean> {
  return inTransaction(pool, async (c) => {
    const r = await c.query('SELECT id::int AS id, starts_at AS "startsAt", ends_at AS "endsAt", reason, urgent FROM maintenance_windows WHERE id = $1 AND cancelled_at IS NULL', [id]);
    if (!(await cancelWindow(c, id, now))) return false;
    const w = r.rows[0] as Recorded;
    // Only the operators that were sent the announcement hear of its cancellation.
    const told = await c.query(`SELECT operator_siren AS siren FROM outbox WHERE dedupe_key LIKE $1 AND operator_siren IS NOT NULL`, [`maintenance:${id}:%`]);
    for (const { siren } of told.rows) await notifyOperators(c, siren, (op) => maintenanceCancelNotice(op, w), now);
    return true;
  });
}
