import { randomInt, randomUUID } from 'node:crypto';
import type { Pool } from '../../db/pool.js';
import { DomainError } from '../errors.js';
import { isInSearchBlackout, nextParisMidnight, parisDate, parisMidnight } from '../../calendar/index.js';
import type { Caller, DepositGuard, DepositReceipt, DepositRequest } from '../tickets/service.js';
import type { PrestationRow } from '../tickets/repo.js';
import type { NotificationHub } from '../../db/notifications.js';
import { GroupWriter } from '../../db/groupWriter.js';
import { freeWindows } from './slots.js';
import {
  confirmAppointment, consumeSearch, findAppointment, findSearch, insertAppointment, insertSearches, latestSearch,
  moveAppointment, purgeUnconfirmed, technicianPlans, type AppointmentRow, type SearchRow,
} from './repo.js';
import { ZonePlanCache, type CachedWindow } from './zonePlans.js';
import { encodeOffered, wasOffered } from './offered.js';

/** How long the slots a search returned stay reservable by that operator (contract 4.2.3.3). */
export const HOLD_MS = 10 * 60_000;
/** The widest search window accepted. */
export const MAX_SEARCH_DAYS = 31;
const DAY_MS = 86_400_000;
const INSEE = /^[0-9][0-9AB][0-9]{3}$/;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type InterventionType = 'S' | 'E';
export type ReportNature = 'REPORT_RDV_RESERVE' | 'REPORT_RDV_CONFIRME' | 'NOUVEAU_RDV';

export interface SearchRequest {
  type: InterventionType;
  natureProduit: string;
  segment: string;
  zone: string;
  from: Date;
  to: Date;
  defect: string;
}

/** A search's answer: its id and the windows offered (slot ids: zonePlans.slotId). */
export interface SearchAnswer {
  searchId: string;
  windows: readonly CachedWindow[];
}

function parseSlotId(id: string): { searchId: string; startMs: number } | undefined {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([0-9a-z]{1,10})$/.exec(id);
  if (!m) return undefined;
  return { searchId: m[1]!, startMs: parseInt(m[2]!, 36) * 60_000 };
}

function newAppointmentId(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `RDV-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * FTTH after-sales appointments: search free 2-hour windows, hold them 10 minutes for the
 * operator, book one (technician assigned; PostgreSQL's exclusion constraint makes double
 * booking impossible), confirm it by the deposit of the ticket, move it, purge the unconfirmed.
 */
export class AppointmentService {
  private readonly plans: ZonePlanCache;
  private readonly holds: GroupWriter<SearchRow & { from: Date; to: Date }>;

  constructor(
    private readonly pool: Pool,
    /** A pool whose writes skip the WAL flush (synchronous_commit off): holds only. */
    ephemeral: Pool,
    private readonly clock: () => Date = () => new Date(),
    /** When searches are refused (the nightly window; the integration platform has its own rule). */
    private readonly searchBlackout: (now: Date, zone: string) => { blackout: boolean; reopensAt?: Date } = (now) => isInSearchBlackout(now),
    hub?: NotificationHub,
  ) {
    this.plans = new ZonePlanCache(pool, hub);
    this.holds = new GroupWriter((rows) => insertSearches(ephemeral, rows));
  }

  async search(caller: Caller, req: SearchRequest): Promise<SearchAnswer> {
    const now = this.clock();
    const blackout = this.searchBlackout(now, req.zone);
    if (blackout.blackout) {
      throw new DomainError('RECHERCHE_INDISPONIBLE', `La recherche de créneaux est indisponible de 1 h à 4 h (heure de Paris) ; elle rouvre à ${blackout.reopensAt!.toISOString()}.`, true);
    }
    this.checkZone(req.zone);
    if (!(req.to > req.from)) throw new DomainError('PERIODE_INVALIDE', 'dateFin doit être postérieure à dateDebut.');
    if (req.to.getTime() - req.from.getTime() > MAX_SEARCH_DAYS * DAY_MS) {
      throw new DomainError('PERIODE_TROP_LONGUE', `La période de recherche dépasse ${MAX_SEARCH_DAYS} jours : réduisez-la.`);
    }
    if (req.to <= now) throw new DomainError('PERIODE_INVALIDE', 'La période de recherche est entièrement passée.');
    const windows = await this.plans.windows(req.zone, req.type, req.from, req.to, now);
    const id = randomUUID();
    const offered = encodeOffered(windows.map((w) => w.startMinute));
    // Answered only once the hold is written: a reservation on another process must find it.
    await this.holds.submit({
      id, siren: caller.siren, zone: req.zone, type: req.type, segment: req.segment, defect: req.defect,
      offeredBase: offered.base, offeredBits: offered.bits, offeredCount: offered.count,
      createdAt: now, expiresAt: new Date(now.getTime() + HOLD_MS), from: req.from, to: req.to,
    });
    return { searchId: id, windows };
  }

  private checkZone(zone: string): void {
    if (!INSEE.test(zone)) throw new DomainError('CODE_INSEE_INVALIDE', `Code INSEE invalide : « ${zone} » (5 caractères, par exemple 75056 ou 2A004).`);
  }

  /** The live hold behind a slot id, checked against the caller and the zone. */
  private async heldSlot(caller: Caller, id: string, zone: string, now: Date): Promise<{ search: SearchRow; start: Date; end: Date }> {
    const parsed = parseSlotId(id);
    const search = parsed && (await findSearch(this.pool, parsed.searchId));
    if (!parsed || !search || search.siren !== caller.siren || search.zone !== zone || !wasOffered({ base: search.offeredBase, bits: search.offeredBits }, parsed.startMs / 60_000)) {
      throw new DomainError('CRENEAU_INCONNU', `Créneau inconnu : ${id}. Utilisez un idOI rendu par votre dernière recherche pour ce code INSEE.`);
    }
    if (search.expiresAt <= now) {
      throw new DomainError('CRENEAU_EXPIRE', 'Le créneau n\'est plus réservé pour vous (10 minutes après la recherche, ou déjà utilisé) : refaites une recherche de créneaux.');
    }
    const start = new Date(parsed.startMs);
    return { search, start, end: new Date(parsed.startMs + 2 * 3600_000) };
  }

  /** Tries the technicians free for the window, in random order, until one booking holds. */
  private async book(zone: string, type: string, start: Date, end: Date, attempt: (technicianId: string) => Promise<'ok' | 'taken'>, exclude?: string): Promise<void> {
    const techs = await technicianPlans(this.pool, zone, type, start, end, exclude);
    const free = freeWindows(techs, start, end, new Date(0)).find((w) => w.start.getTime() === start.getTime());
    for (const technicianId of shuffle(free?.technicianIds ?? [])) {
      if ((await attempt(technicianId)) === 'ok') {
        // This process's next search must not offer it (other processes hear of it by NOTIFY).
        this.plans.invalidate(zone);
        return;
      }
    }
    throw new DomainError('CRENEAU_INDISPONIBLE', 'Ce créneau n\'est plus disponible (réservé entre-temps) : choisissez un autre créneau de votre recherche ou refaites une recherche.');
  }

  async reserve(caller: Caller, req: { natureProduit: string; segment: string; zone: string; slotId: string }): Promise<string> {
    const now = this.clock();
    this.checkZone(req.zone);
    const { search, start, end } = await this.heldSlot(caller, req.slotId, req.zone, now);
    const id = newAppointmentId();
    await this.book(search.zone, search.type, start, end, (technicianId) =>
      insertAppointment(this.pool, {
        id, siren: caller.siren, technicianId, zone: search.zone, type: search.type, natureProduit: req.natureProduit,
        segment: req.segment, defect: search.defect, startsAt: start, endsAt: end, searchId: search.id, at: now,
      }),
    );
    await consumeSearch(this.pool, search.id, now);
    return id;
  }

  private async own(caller: Caller, id: string): Promise<AppointmentRow> {
    const a = await findAppointment(this.pool, id);
    if (!a || a.siren !== caller.siren) throw new DomainError('RDV_INCONNU', `Rendez-vous inconnu : ${id}.`);
    return a;
  }

  async consult(caller: Caller, id: string): Promise<AppointmentRow> {
    const a = await this.own(caller, id);
    if (a.status === 'ANNULE') throw new DomainError('RDV_ANNULE', `Le rendez-vous ${id} est annulé (non confirmé par un dépôt de signalisation dans la nuit suivant sa réservation) : recherchez un nouveau créneau.`);
    return a;
  }

  /**
   * Moves an appointment to another held slot. REPORT_RDV_RESERVE moves one that is reserved but
   * not yet confirmed; REPORT_RDV_CONFIRME moves a confirmed one before it takes place;
   * NOUVEAU_RDV books a new visit for a confirmed appointment whose window has passed (the
   * intervention needs another visit). The appointment keeps its id and ticket.
   */
  async report(caller: Caller, req: { id: string; nature: ReportNature; zone: string; type: InterventionType; slotId: string }): Promise<void> {
    const now = this.clock();
    const a = await this.consult(caller, req.id);
    const expected = req.nature === 'REPORT_RDV_RESERVE' ? 'CREE' : 'CONFIRME';
    if (a.status !== expected) {
      throw new DomainError('REPORT_INCOMPATIBLE', `${req.nature} s'applique à un rendez-vous ${expected === 'CREE' ? 'réservé (CREE)' : 'confirmé (CONFIRME)'} ; le rendez-vous ${a.id} est ${a.status}.`);
    }
    if (req.nature === 'REPORT_RDV_CONFIRME' && a.startsAt <= now) {
      throw new DomainError('REPORT_INCOMPATIBLE', `Le rendez-vous ${a.id} a déjà commencé ou eu lieu : utilisez NOUVEAU_RDV.`);
    }
    if (req.nature === 'NOUVEAU_RDV' && a.endsAt > now) {
      throw new DomainError('REPORT_INCOMPATIBLE', `Le rendez-vous ${a.id} n'a pas encore eu lieu : utilisez REPORT_RDV_CONFIRME pour le déplacer.`);
    }
    if (req.zone !== a.zone || req.type !== a.type) {
      throw new DomainError('REPORT_INCOMPATIBLE', `Le code INSEE et le type d'intervention doivent être ceux du rendez-vous (${a.zone}, ${a.type}).`);
    }
    const { search, start, end } = await this.heldSlot(caller, req.slotId, req.zone, now);
    if (search.type !== a.type) throw new DomainError('CRENEAU_INCONNU', 'Ce créneau vient d\'une recherche d\'un autre type d\'intervention.');
    await this.book(a.zone, a.type, start, end, (technicianId) => moveAppointment(this.pool, a.id, technicianId, start, end, now, req.nature), a.id);
    await consumeSearch(this.pool, search.id, now);
  }

  /** Cancels what is still CREE from before the last Paris midnight ("the night following"). */
  async purge(): Promise<{ cancelled: string[]; confirmed: string[] }> {
    const now = this.clock();
    const out = await purgeUnconfirmed(this.pool, parisMidnight(parisDate(now)), now);
    if (out.cancelled.length > 0) this.plans.invalidate('*');
    return out;
  }

  /** When the next purge is due: the night following a reservation made now. */
  nextPurgeAfter(reservedAt: Date): Date {
    return nextParisMidnight(reservedAt);
  }

  /**
   * The deposit's side of appointments: an `idRendezVous` must be the caller's, still CREE, for
   * an FTTH prestation; the context PAS_DE_PLAGES_DISPONIBLES is accepted only when the caller's
   * latest search (for the prestation's zone, within a day) offered no slot. After the ticket is
   * committed, the appointment is confirmed and linked to it.
   */
  depositGuard(): DepositGuard {
    return {
      check: async (caller: Caller, prestation: PrestationRow, req: DepositRequest, now: Date) => {
        if (!req.appointmentId && !req.context) return;
        if (!prestation.ftth) {
          throw new DomainError('RDV_NON_APPLICABLE', `Les rendez-vous et le contexte ${req.context ?? ''} ne s'appliquent qu'aux accès FTTH ; la prestation ${prestation.prestationId} est de l'offre ${prestation.offerCode}.`.replace('  ', ' '));
        }
        if (req.appointmentId && req.context) {
          throw new DomainError('CONTEXTE_REFUSE', 'Un dépôt ne peut porter à la fois un idRendezVous et le contexte PAS_DE_PLAGES_DISPONIBLES.');
        }
        if (req.appointmentId) {
          const a = await findAppointment(this.pool, req.appointmentId);
          if (!a || a.siren !== caller.siren) throw new DomainError('RDV_INCONNU', `Rendez-vous inconnu : ${req.appointmentId}.`);
          if (a.status === 'ANNULE') throw new DomainError('RDV_ANNULE', `Le rendez-vous ${a.id} est annulé : recherchez et réservez un nouveau créneau.`);
          if (a.status === 'CONFIRME') throw new DomainError('RDV_DEJA_CONFIRME', `Le rendez-vous ${a.id} est déjà confirmé par la signalisation ${a.ticketReference}.`);
          if (prestation.codeInsee && prestation.codeInsee !== a.zone) {
            throw new DomainError('RDV_INCOMPATIBLE', `Le rendez-vous ${a.id} est pour le code INSEE ${a.zone}, la prestation ${prestation.prestationId} est en ${prestation.codeInsee}.`);
          }
          return;
        }
        const latest = await latestSearch(this.pool, caller.siren, prestation.codeInsee ?? null, new Date(now.getTime() - DAY_MS));
        if (!latest) {
          throw new DomainError('CONTEXTE_REFUSE', 'Le contexte PAS_DE_PLAGES_DISPONIBLES suppose une recherche de créneaux sans résultat dans les dernières 24 heures : faites d\'abord la recherche.');
        }
        if (latest.offered > 0) {
          throw new DomainError('CONTEXTE_REFUSE', `Votre dernière recherche (${latest.at.toISOString()}) a proposé ${latest.offered} créneau(x) : réservez-en un au lieu d'utiliser PAS_DE_PLAGES_DISPONIBLES.`);
        }
      },
      afterDeposit: async (_caller: Caller, req: DepositRequest, receipt: DepositReceipt) => {
        if (req.appointmentId) await confirmAppointment(this.pool, req.appointmentId, receipt.reference, this.clock());
      },
    };
  }
}
