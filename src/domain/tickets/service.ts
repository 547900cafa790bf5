import { createHash } from 'node:crypto';
import type { Pool } from '../../db/pool.js';
import { DomainError } from '../errors.js';
import type { Scope } from '../../pki/certs.js';
import { findOwnPrestation, insertTicket } from './repo.js';
import { newReference } from './reference.js';
import type { TicketState } from './states.js';

export interface Caller {
  siren: string;
  scope: Scope;
}

export interface DepositRequest {
  prestationId: string;
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

function hashOf(req: DepositRequest): string {
  const { serviceVersion: _v, ...rest } = req;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

export class TicketService {
  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Files a signalisation. The reference is only returned once the row is committed. */
  async deposit(caller: Caller, req: DepositRequest): Promise<DepositReceipt> {
    const prestation = await findOwnPrestation(this.pool, caller.siren, req.prestationId);
    if (!prestation) {
      throw new DomainError('PRESTATION_INCONNUE', `L'identifiant de prestation ${req.prestationId} n'existe pas dans le parc de l'opérateur ${caller.siren}.`);
    }
    // Annexe P1: FTTH goes through a dedicated certificate; other offers through the e-SAV one.
    const expected: Scope = prestation.ftth ? 'ftth' : 'esav';
    if (caller.scope !== expected) {
      throw new DomainError('PERIMETRE_CERTIFICAT', `La prestation ${req.prestationId} (offre ${prestation.offerCode}) exige un certificat de périmètre ${expected} ; le certificat présenté est de périmètre ${caller.scope}.`);
    }
    const requestHash = hashOf(req);
    for (let attempt = 0; attempt < 5; attempt++) {
      const at = this.clock();
      const out = await insertTicket(this.pool, {
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
        details: req.extras ?? {},
        at,
        actor: `operateur:${caller.siren}`,
      });
      if (out === 'reference-collision') continue;
      if (!out.created && out.requestHash !== requestHash) {
        throw new DomainError('REFERENCE_EXTERNE_CONFLIT', `La référence externe ${req.externalRef} a déjà servi pour une autre signalisation (${out.reference}) dont le contenu diffère : utilisez une nouvelle référence externe.`);
      }
      return { reference: out.reference, depositedAt: out.depositedAt, state: out.state as TicketState, created: out.created };
    }
    throw new DomainError('ERREUR_INTERNE', 'Impossible d\'attribuer une référence unique ; réessayez.', true);
  }
}
