import type { Pool } from '../../db/pool.js';
import { DomainError } from '../errors.js';
import { countRequest } from '../../metrics/volumetry.js';
import {
  findWork, impactedPrestations, insertWork, listWorks, updateWork, visibleWorks, worksAffecting,
  WORK_STATES, type Period, type Work, type WorkFilter, type WorkState,
} from './repo.js';

const FINAL: readonly WorkState[] = ['CLOTURE', 'ANNULE'];

export type NewWork = Omit<Work, 'createdAt' | 'modifiedAt' | 'state' | 'pboRefs' | 'pmtRefs' | 'buildings' | 'impactedPlugs' | 'impactedPrestations' | 'public'> &
  Partial<Pick<Work, 'pboRefs' | 'pmtRefs' | 'buildings' | 'impactedPlugs' | 'impactedPrestations' | 'public'>>;

export type WorkUpdate = Partial<Omit<Work, 'reference' | 'createdAt' | 'modifiedAt' | 'type'>>;

/**
 * Planned works (TP) and collective outages (DERCO): ops record and update them; operators read
 * those that concern their prestations or are public (Interop'Fibre infoTravauxFTTH, e-SAV Test).
 */
export class WorkService {
  private readonly clock: () => Date;

  constructor(
    private readonly pool: Pool,
    opts: { clock?: () => Date } = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
  }

  private checkDates(startsAt?: Date, endsAt?: Date): void {
    for (const d of [startsAt, endsAt]) if (d && Number.isNaN(d.getTime())) throw new DomainError('DATE_INVALIDE', 'Date invalide : attendu une date ISO 8601.');
    if (startsAt && endsAt && startsAt > endsAt) throw new DomainError('PERIODE_INVALIDE', 'La date de début des travaux doit précéder leur date de fin.');
  }

  private checkComment(...texts: Array<string | undefined>): void {
    for (const t of texts) if (t && t.length > 512) throw new DomainError('COMMENTAIRE_TROP_LONG', `Un commentaire fait au plus 512 caractères (${t.length} reçus).`);
  }

  async create(w: NewWork): Promise<Work> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(w.reference)) throw new DomainError('REFERENCE_INVALIDE', `Référence de travaux invalide : ${w.reference} (lettres, chiffres, . _ -, 64 au plus).`);
    this.checkDates(w.startsAt, w.endsAt);
    this.checkComment(w.comment, w.operatorComment);
    if (await findWork(this.pool, w.reference)) throw new DomainError('TRAVAUX_EXISTANTS', `Les travaux ${w.reference} existent déjà : utilisez esav travaux update.`);
    const now = this.clock();
    const work: Work = {
      pboRefs: [], pmtRefs: [], buildings: [], impactedPlugs: [], impactedPrestations: [], public: false,
      ...w,
      createdAt: now,
      modifiedAt: now,
      state: 'NOUVEAU',
    };
    await insertWork(this.pool, work);
    return work;
  }

  /**
   * Changes a work. Without an explicit state, new dates make it REPLANIFICATION and any other
   * change MAJ (the Interop'Fibre states). Closed and cancelled works no longer change.
   */
  async update(reference: string, patch: WorkUpdate): Promise<Work> {
    const cur = await findWork(this.pool, reference);
    if (!cur) throw new DomainError('TRAVAUX_INCONNUS', `Aucuns travaux de référence ${reference}.`);
    if (FINAL.includes(cur.state)) throw new DomainError('TRAVAUX_CLOS', `Les travaux ${reference} sont à l'état ${cur.state} : ils ne changent plus.`);
    if (patch.state && !WORK_STATES.includes(patch.state)) throw new DomainError('ETAT_INCONNU', `État inconnu : ${patch.state}. États : ${WORK_STATES.join(', ')}.`);
    if (patch.state === 'NOUVEAU') throw new DomainError('TRANSITION_INTERDITE', 'Des travaux ne reviennent pas à l\'état NOUVEAU.');
    this.checkDates(patch.startsAt ?? cur.startsAt, patch.endsAt ?? cur.endsAt);
    this.checkComment(patch.comment, patch.operatorComment);
    const replanned = (patch.startsAt && patch.startsAt.getTime() !== cur.startsAt?.getTime()) || (patch.endsAt && patch.endsAt.getTime() !== cur.endsAt?.getTime());
    const state = patch.state ?? (replanned ? 'REPLANIFICATION' : 'MAJ');
    const out = await updateWork(this.pool, reference, { ...patch, state, modifiedAt: this.clock() });
    return out!;
  }

  close(reference: string, comment?: string): Promise<Work> {
    return this.update(reference, { state: 'CLOTURE', ...(comment ? { comment } : {}) });
  }

  get(reference: string): Promise<Work | undefined> {
    return findWork(this.pool, reference);
  }

  list(opts: { state?: WorkState; limit?: number } = {}): Promise<Work[]> {
    return listWorks(this.pool, opts);
  }

  impacted(reference: string) {
    return impactedPrestations(this.pool, reference);
  }

  /** The Interop'Fibre query (getInfoTravauxFTTH), counted as a works information request. */
  async search(siren: string, f: WorkFilter): Promise<Work[]> {
    for (const p of [f.created, f.starts, f.ends]) if (p && p.from > p.to) throw new DomainError('PERIODE_INVALIDE', 'Une période de recherche doit avoir dateDebutRecherche avant dateFinRecherche.');
    const out = await visibleWorks(this.pool, siren, f);
    await countRequest(this.pool, siren, 'INFO_TRAVAUX', this.clock());
    return out;
  }

  /** Works that affect one prestation now (no window) or during the window. Not counted here. */
  affecting(siren: string, prestationId: string, window?: Partial<Period>): Promise<Work[]> {
    const now = this.clock();
    if (window?.from && window.to && window.from > window.to) throw new DomainError('PERIODE_INVALIDE', 'La date de début de la période doit précéder sa date de fin.');
    const hasWindow = !!(window?.from || window?.to);
    return worksAffecting(this.pool, siren, prestationId, window?.from ?? now, window?.to ?? (hasWindow ? new Date('9999-12-31T00:00:00Z') : now), hasWindow);
  }
}
