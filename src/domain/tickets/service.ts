import { createHash } from 'node:crypto';
import type { Pool } from '../../db/pool.js';
import { DomainError } from '../errors.js';
import type { Scope } from '../../pki/certs.js';
import { inTransaction } from '../../db/pool.js';
import {
  closedTickets, findTicket, insertComment, searchTickets,
  ticketComments, ticketEvents, updateState, type CommentRow, type EventRow, type PrestationRow, type SearchFilter, type SummaryRow, type TicketRow,
} from './repo.js';
import { newReference, normaliseReference } from './reference.js';
import { CLOSED_STATES, CLOSING_STATES, STATES, TRANSITIONS, interopFibreView, isTicketState, type TicketState } from './states.js';
import { guaranteeFor, type Guarantee } from './guarantee.js';
import { PrestationCache } from './prestationCache.js';
import { TicketStateCache } from './stateCache.js';
import { DepositBatcher } from './depositBatcher.js';

/** Closed tickets stay visible in the history this long after closing (article 4.2.2). */
export const HISTORY_DAYS = 90;
const DAY_MS = 86_400_000;

export interface TicketDetail {
  ticket: TicketRow;
  events: EventRow[];
  savComments: CommentRow[];
  operatorComplements: CommentRow[];
  guarantee?: Guarantee;
  interop?: ReturnType<typeof interopFibreView>;
}

export interface AdvanceRequest {
  reference: string;
  to: string;
  actor: string;
  comment?: string;
  resolution?: string;
}

export interface Caller {
  siren: string;
  scope: Scope;
}

/** A form attached to a deposit; validate() checks it against the catalogue for the prestation's offer. */
export interface AttachedForm {
  catalogue: string;
  code: string;
  validate(offerCode: string): { catalogue: string; code: string; data: unknown };
}

/** Which offers need a form: the catalogue, seen from the domain. */
export interface FormPolicy {
  /** The form code an offer requires in the newest live catalogue, if any, and that catalogue. */
  requiredForm(offerCode: string): { catalogue: string; code: string } | undefined;
}

/**
 * A rule of another area that a deposit must satisfy (e.g. a recent line test for some offers,
 * an FTTH appointment). It runs after the prestation is known and before anything is written;
 * it refuses by throwing a DomainError with its own code.
 */
export interface DepositGuard {
  check(caller: Caller, prestation: PrestationRow, req: DepositRequest, now: Date): Promise<void>;
  /** After the ticket is committed (also for an idempotent replay): follow-up writes of that area. */
  afterDeposit?(caller: Caller, req: DepositRequest, receipt: DepositReceipt): Promise<void>;
}

export interface TicketServiceOptions {
  clock?: () => Date;
  forms?: FormPolicy;
  prestations?: PrestationCache;
  guards?: DepositGuard[];
  states?: TicketStateCache;
}

export interface DepositRequest {
  prestationId: string;
  form?: AttachedForm;
  appointmentId?: string;
  context?: 'PAS_DE_PLAGES_DISPONIBLES';
  faultCode: string;
  faultLabel: string;
  comment?: string;
  externalRef?: string;
  /** Version-specific extras kept with the ticket (e.g. v2's on-site contact). */
  extras?: Record<string, unknown>;
  serviceVersion: string;
}

export interface DepositReceipt {
  reference: string;
  depositedAt: Date;
  state: TicketState;
  /** false when an idempotent retry returned the ticket made by an earlier call. */
  created: boolean;
}

/** What makes two deposits "the same" for an idempotent retry: everything the operator sent. */
function hashOf(req: DepositRequest, form: unknown): string {
  const { serviceVersion: _v, form: _f, ...rest } = req;
  return createHash('sha256').update(JSON.stringify({ ...rest, form })).digest('hex');
}

export class TicketService {
  private readonly clock: () => Date;
  private readonly forms: FormPolicy;
  private readonly prestations: PrestationCache;
  private readonly batcher: DepositBatcher;
  private readonly guards: DepositGuard[];
  private readonly states: TicketStateCache;

  constructor(
    private readonly pool: Pool,
    opts: TicketServiceOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.forms = opts.forms ?? { requiredForm: () => undefined };
    this.prestations = opts.prestations ?? new PrestationCache(pool);
    this.batcher = new DepositBatcher(pool);
    this.guards = opts.guards ?? [];
    this.states = opts.states ?? new TicketStateCache(pool);
  }

  private unknownPrestation(caller: Caller, prestationId: string): DomainError {
    return new DomainError('PRESTATION_INCONNUE', `L'identifiant de prestation ${prestationId} n'existe pas dans le parc de l'opérateur ${caller.siren}.`);
  }

  private notFound(reference: string): DomainError {
    return new DomainError('SIGNALISATION_INCONNUE', `La signalisation ${reference} n'existe pas pour cet opérateur.`);
  }

  /** Reads what a person typed (case, dashes, O/0) and checks the check character. */
  private ref(reference: string): string {
    const r = normaliseReference(reference);
    if (!r) throw new DomainError('REFERENCE_INVALIDE', `La référence ${reference} n'est pas une référence de signalisation valide (format S26-XXXX-XXXX-C, caractère de contrôle compris).`);
    return r;
  }

  async state(caller: Caller, reference: string): Promise<{ reference: string; state: TicketState; since: Date; interop?: ReturnType<typeof interopFibreView> }> {
    const ref = this.ref(reference);
    const row = await this.states.get(ref, caller.siren);
    if (!row) throw this.notFound(ref);
    const state = row.state as TicketState;
    return { reference: ref, state, since: row.stateSince, interop: row.ftth ? interopFibreView(state) : undefined };
  }

  async detail(caller: Caller, reference: string): Promise<TicketDetail> {
    const ref = this.ref(reference);
    const ticket = await findTicket(this.pool, ref, caller.siren);
    if (!ticket) throw this.notFound(ref);
    return this.describe(ticket);
  }

  private async describe(ticket: TicketRow): Promise<TicketDetail> {
    const [events, comments] = await Promise.all([ticketEvents(this.pool, ticket.id), ticketComments(this.pool, ticket.id)]);
    const level = (ticket.details.formulaire?.data?.niveauGarantie as string | undefined) ?? ticket.guaranteeLevel;
    return {
      ticket,
      events,
      savComments: comments.filter((c) => c.author === 'sav'),
      operatorComplements: comments.filter((c) => c.author === 'operateur'),
      guarantee: guaranteeFor(level, ticket.depositedAt),
      interop: ticket.ftth ? interopFibreView(ticket.state as TicketState) : undefined,
    };
  }

  /**
   * Closed tickets up to 90 calendar days after their closing. A reference asked for directly
   * says why it is not there (still open, or past the 90 days) instead of answering nothing.
   */
  async history(caller: Caller, q: { reference?: string; prestationId?: string; from?: Date; to?: Date }): Promise<SummaryRow[]> {
    const now = this.clock();
    const since = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
    if (q.reference) {
      const ref = this.ref(q.reference);
      const t = await findTicket(this.pool, ref, caller.siren);
      if (!t) throw this.notFound(ref);
      if (!t.closedAt) throw new DomainError('SIGNALISATION_NON_CLOSE', `La signalisation ${ref} n'est pas close (état ${t.state}) : utilisez consulterEtatSignalisation.`);
      if (t.closedAt < since) {
        throw new DomainError('HISTORIQUE_EXPIRE', `La signalisation ${ref} a été close le ${t.closedAt.toISOString()}, il y a plus de ${HISTORY_DAYS} jours : elle n'est plus consultable.`);
      }
      return [{ reference: t.reference, externalRef: t.externalRef, prestationId: t.prestationId, offerCode: t.offerCode, state: t.state, stateSince: t.stateSince, depositedAt: t.depositedAt, closedAt: t.closedAt }];
    }
    if (!q.prestationId && !q.from && !q.to) throw new DomainError('CRITERE_MANQUANT', 'Indiquez une référence, un identifiant de prestation ou une période.');
    if (q.from && q.to && q.from >= q.to) throw new DomainError('PERIODE_INVALIDE', 'La date de début de la période doit précéder sa date de fin.');
    return closedTickets(this.pool, caller.siren, since, q, 1000);
  }

  async search(caller: Caller, f: SearchFilter, page: number, pageSize: number): Promise<{ total: number; rows: SummaryRow[] }> {
    if (f.depositedFrom && f.depositedTo && f.depositedFrom >= f.depositedTo) throw new DomainError('PERIODE_INVALIDE', 'La date de début de la période doit précéder sa date de fin.');
    return searchTickets(this.pool, caller.siren, f, (page - 1) * pageSize, pageSize);
  }

  /** The operator adds information to an open ticket (e.g. answering a frozen one). */
  async complete(caller: Caller, reference: string, text: string): Promise<{ reference: string; state: TicketState; at: Date }> {
    const ref = this.ref(reference);
    return inTransaction(this.pool, async (c) => {
      const t = await findTicket(c, ref, caller.siren, true);
      if (!t) throw this.notFound(ref);
      if (CLOSED_STATES.includes(t.state as TicketState)) {
        throw new DomainError('SIGNALISATION_CLOSE', `La signalisation ${ref} est close (état ${t.state}) : elle ne peut plus être complétée ; déposez une nouvelle signalisation.`);
      }
      const at = this.clock();
      await insertComment(c, t.id, at, 'operateur', `operateur:${caller.siren}`, text);
      return { reference: ref, state: t.state as TicketState, at };
    });
  }

  /** The provider's SAV moves a ticket along the transition table; every change is recorded. */
  async advance(req: AdvanceRequest): Promise<{ reference: string; from: TicketState; to: TicketState; at: Date }> {
    const ref = this.ref(req.reference);
    if (!isTicketState(req.to)) throw new DomainError('ETAT_INCONNU', `État inconnu : ${req.to}. États : ${Object.keys(STATES).join(', ')}.`);
    const to = req.to;
    return inTransaction(this.pool, async (c) => {
      const t = await findTicket(c, ref, undefined, true);
      if (!t) throw new DomainError('SIGNALISATION_INCONNUE', `La signalisation ${ref} n'existe pas.`);
      const from = t.state as TicketState;
      const allowed = TRANSITIONS[from];
      if (!allowed.includes(to)) {
        throw new DomainError('TRANSITION_INTERDITE', `Transition ${from} -> ${to} interdite ; depuis ${from} : ${allowed.length ? allowed.join(', ') : 'aucune (état final)'}.`);
      }
      const at = this.clock();
      const closedAt = CLOSING_STATES.includes(to) ? at : CLOSED_STATES.includes(to) ? t.closedAt : null;
      await updateState(c, t.id, from, to, at, req.actor, req.comment, closedAt, req.resolution ? { etatResolution: req.resolution } : {});
      return { reference: ref, from, to, at };
    }).finally(() => this.states.invalidate(ref));
  }

  async savComment(reference: string, actor: string, text: string): Promise<void> {
    const ref = this.ref(reference);
    const t = await findTicket(this.pool, ref);
    if (!t) throw new DomainError('SIGNALISATION_INCONNUE', `La signalisation ${ref} n'existe pas.`);
    if (t.state === 'CLOS_TABLEAU_DE_BORD') throw new DomainError('SIGNALISATION_CLOSE', `La signalisation ${ref} n'est plus modifiable (clos tableau de bord).`);
    await insertComment(this.pool, t.id, this.clock(), 'sav', actor, text);
  }

  /** Files a signalisation. The reference is only returned once the row is committed. */
  async deposit(caller: Caller, req: DepositRequest): Promise<DepositReceipt> {
    const prestation = await this.prestations.own(caller.siren, req.prestationId);
    if (!prestation) throw this.unknownPrestation(caller, req.prestationId);
    // Annexe P1: FTTH goes through a dedicated certificate; other offers through the e-SAV one.
    const expected: Scope = prestation.ftth ? 'ftth' : 'esav';
    if (caller.scope !== expected) {
      throw new DomainError('PERIMETRE_CERTIFICAT', `La prestation ${req.prestationId} (offre ${prestation.offerCode}) exige un certificat de périmètre ${expected} ; le certificat présenté est de périmètre ${caller.scope}.`);
    }
    for (const g of this.guards) await g.check(caller, prestation, req, this.clock());
    let form: { catalogue: string; code: string; data: unknown } | undefined;
    if (req.form) form = req.form.validate(prestation.offerCode);
    else {
      const required = this.forms.requiredForm(prestation.offerCode);
      if (required) {
        throw new DomainError('FORMULAIRE_REQUIS', `L'offre ${prestation.offerCode} exige le formulaire ${required.code} (catalogue ${required.catalogue}) : ajoutez l'élément formulaire catalogue="${required.catalogue}" code="${required.code}".`);
      }
    }
    // The hash only tells a retry from a different request under the same referenceExterne.
    const requestHash = req.externalRef === undefined ? '' : hashOf(req, form);
    const details = { ...(req.extras ?? {}), ...(form ? { formulaire: form } : {}), ...(req.appointmentId ? { idRendezVous: req.appointmentId } : {}), ...(req.context ? { contexte: req.context } : {}) };
    const at = this.clock();
    const out = await this.batcher.submit({
      reference: newReference(at),
      siren: caller.siren,
      prestationId: prestation.prestationId,
      offerCode: prestation.offerCode,
      serviceVersion: req.serviceVersion,
      faultCode: req.faultCode,
      faultLabel: req.faultLabel,
      comment: req.comment,
      externalRef: req.externalRef,
      requestHash,
      details,
      at,
      actor: `operateur:${caller.siren}`,
    });
    if (!out) throw this.unknownPrestation(caller, req.prestationId);
    if (!out.created && out.requestHash !== requestHash) {
      throw new DomainError('REFERENCE_EXTERNE_CONFLIT', `La référence externe ${req.externalRef} a déjà servi pour une autre signalisation (${out.reference}) dont le contenu diffère : utilisez une nouvelle référence externe.`);
    }
    const receipt: DepositReceipt = { reference: out.reference, depositedAt: out.depositedAt, state: out.state as TicketState, created: out.created };
    for (const g of this.guards) await g.afterDeposit?.(caller, req, receipt);
    return receipt;
  }
}
