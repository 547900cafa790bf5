// e-soutien rules: an operator files a ticket about the e-service, completes it while it is open
// ("retour sur ticket ouvert"), reads its own tickets; the provider's desk comments and closes.
// Every e-mail is enqueued in the transaction of the change that causes it (src/notices).
import { inTransaction, type Pool } from '../../db/pool.js';
import { DomainError } from '../errors.js';
import { enqueue } from '../../notices/outbox.js';
import { frDateTime } from '../../notices/texts.js';
import { handlingFrom } from './hours.js';
import { newSoutienReference, normaliseSoutienReference } from './reference.js';
import { acknowledgement, deskComplement, deskMessage, deskNewTicket, resolutionReport } from './mails.js';
import {
  addMessage, closeTicket, findTicket, insertTicket, listMessages, listTickets,
  type Category, type SoutienMessage, type SoutienState, type SoutienTicket,
} from './repo.js';

export interface SoutienCaller {
  siren: string;
}

export interface OpenRequest {
  subject: string;
  description: string;
  category: Category;
  service?: string;
  serviceVersion?: string;
  requestId?: string;
  contactEmail: string;
}

export interface SoutienOptions {
  clock?: () => Date;
  /** The provider's desk: copies of new tickets and complements, Reply-To of the operators' mail. */
  supportEmail?: string;
  /** Services a ticket may be about (the live ones). */
  knownServices?: () => string[];
}

export interface TicketView {
  ticket: SoutienTicket;
  messages: SoutienMessage[];
}

export class SoutienService {
  private readonly clock: () => Date;

  constructor(
    private readonly pool: Pool,
    private readonly opts: SoutienOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
  }

  private reference(input: string): string {
    const ref = normaliseSoutienReference(input);
    if (!ref) throw new DomainError('REFERENCE_INVALIDE', `"${input}" n'est pas une référence de ticket e-soutien (forme ES26-K7Q4M9-T) ou son caractère de contrôle est faux.`);
    return ref;
  }

  private unknown(ref: string): DomainError {
    return new DomainError('TICKET_SOUTIEN_INCONNU', `Aucun ticket e-soutien ${ref} pour votre opérateur.`);
  }

  /** The desk acts on any operator's ticket, and reads English. */
  private unknownToDesk(ref: string): DomainError {
    return new DomainError('TICKET_SOUTIEN_INCONNU', `no e-soutien ticket ${ref}`);
  }

  private closed(t: SoutienTicket): DomainError {
    return new DomainError(
      'TICKET_SOUTIEN_CLOS',
      `Le ticket e-soutien ${t.reference} est clos depuis le ${frDateTime(t.closedAt!)} : il ne peut plus être complété ; déposez une nouvelle demande (ouvrirTicketSoutien) en citant cette référence.`,
    );
  }

  async open(caller: SoutienCaller, req: OpenRequest): Promise<SoutienTicket> {
    const known = this.opts.knownServices?.();
    if (req.service && known && !known.includes(req.service)) {
      throw new DomainError('SERVICE_CONCERNE_INCONNU', `"${req.service}" n'est pas un service e-SAV ; services : ${known.join(', ')}.`);
    }
    const now = this.clock();
    return inTransaction(this.pool, async (c) => {
      let reference = '';
      for (let i = 0; ; i++) {
        reference = newSoutienReference(now);
        const inserted = await insertTicket(c, {
          reference, siren: caller.siren, subject: req.subject.trim(), description: req.description, category: req.category,
          service: req.service ?? null, serviceVersion: req.serviceVersion ?? null, requestId: req.requestId ?? null,
          contactEmail: req.contactEmail, openedAt: now, handlingFrom: handlingFrom(now),
        });
        if (inserted) break;
        if (i >= 5) throw new Error('no free e-soutien reference after 6 draws');
      }
      const t = (await findTicket(c, reference))!;
      await enqueue(c, acknowledgement(t, this.opts.supportEmail), now);
      if (this.opts.supportEmail) await enqueue(c, deskNewTicket(t, this.opts.supportEmail), now);
      return t;
    });
  }

  /** Retour sur ticket ouvert: refused once the ticket is closed. */
  async complete(caller: SoutienCaller, reference: string, text: string): Promise<{ ticket: SoutienTicket; message: SoutienMessage; handlingFrom: Date }> {
    const ref = this.reference(reference);
    const now = this.clock();
    return inTransaction(this.pool, async (c) => {
      const t = await findTicket(c, ref, { siren: caller.siren, lock: true });
      if (!t) throw this.unknown(ref);
      if (t.state === 'CLOS') throw this.closed(t);
      const message = await addMessage(c, ref, { author: 'OPERATEUR', agent: null, text, at: now });
      if (this.opts.supportEmail) await enqueue(c, deskComplement(t, message, this.opts.supportEmail), now);
      return { ticket: t, message, handlingFrom: handlingFrom(now) };
    });
  }

  /** The operator's own ticket with its exchanges. */
  async consult(caller: SoutienCaller, reference: string): Promise<TicketView> {
    const ref = this.reference(reference);
    const ticket = await findTicket(this.pool, ref, { siren: caller.siren });
    if (!ticket) throw this.unknown(ref);
    return { ticket, messages: await listMessages(this.pool, ref) };
  }

  list(caller: SoutienCaller, state?: SoutienState): Promise<SoutienTicket[]> {
    return listTickets(this.pool, { siren: caller.siren, state });
  }

  // --- the provider's desk (admin listener, esav soutien) ---

  async detail(reference: string): Promise<TicketView> {
    const ref = this.reference(reference);
    const ticket = await findTicket(this.pool, ref);
    if (!ticket) throw this.unknownToDesk(ref);
    return { ticket, messages: await listMessages(this.pool, ref) };
  }

  listAll(f: { siren?: string; state?: SoutienState; limit?: number } = {}): Promise<SoutienTicket[]> {
    return listTickets(this.pool, f);
  }

  /** A message of the desk to the operator (e.g. asking for information): e-mailed to the ticket's contact. */
  async comment(reference: string, agent: string, text: string): Promise<SoutienMessage> {
    const ref = this.reference(reference);
    if (!text.trim()) throw new DomainError('REQUETE_INVALIDE', 'the comment is empty');
    const now = this.clock();
    return inTransaction(this.pool, async (c) => {
      const t = await findTicket(c, ref, { lock: true });
      if (!t) throw this.unknownToDesk(ref);
      if (t.state === 'CLOS') throw new DomainError('TICKET_SOUTIEN_CLOS', `ticket ${ref} was closed on ${t.closedAt!.toISOString()}`);
      const m = await addMessage(c, ref, { author: 'SOUTIEN', agent, text, at: now });
      await enqueue(c, deskMessage(t, m, this.opts.supportEmail), now);
      return m;
    });
  }

  /** Closes the ticket; the resolution report is e-mailed to the ticket's contact. */
  async close(reference: string, agent: string, resolution: string): Promise<SoutienTicket> {
    const ref = this.reference(reference);
    if (!resolution.trim()) throw new DomainError('REQUETE_INVALIDE', 'the resolution report is empty: say what was done');
    const now = this.clock();
    return inTransaction(this.pool, async (c) => {
      const t = await findTicket(c, ref, { lock: true });
      if (!t) throw this.unknownToDesk(ref);
      if (t.state === 'CLOS') throw new DomainError('TICKET_SOUTIEN_CLOS', `ticket ${ref} was already closed on ${t.closedAt!.toISOString()}`);
      await closeTicket(c, ref, agent, resolution, now);
      const closed = (await findTicket(c, ref))!;
      await enqueue(c, resolutionReport(closed, this.opts.supportEmail), now);
      return closed;
    });
  }
}
