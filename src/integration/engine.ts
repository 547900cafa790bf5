import { inTransaction, type Pool } from '../db/pool.js';
import type { Logger } from '../log.js';
import { DomainError } from '../domain/errors.js';
import type { TicketService } from '../domain/tickets/service.js';
import { findTicket } from '../domain/tickets/repo.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

interface RunRow {
  reference: string;
  scenario: ScenarioName;
  step: number;
}

/**
 * The scenario engine of the integration platform: moves the tickets deposited on the data set's
 * scenario prestations, one step every `stepMs`, with the real ticket service (history, comments,
 * notifications as for a move by the SAV). Its state is in PostgreSQL (integration_runs): it
 * survives restarts, and every process runs the loop but a run is taken by one process at a time
 * (FOR UPDATE SKIP LOCKED). A step whose move was made but not recorded (crash in between) is
 * recognised by the ticket's state and not made twice.
 */
export class ScenarioEngine {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly tickets: TicketService,
    private readonly stepMs: number,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** A ticket was deposited on a scenario prestation (also for an idempotent replay: no-op then). */
  async enrol(reference: string, scenario: ScenarioName): Promise<void> {
    await this.pool.query(
      'INSERT INTO integration_runs (ticket_reference, scenario, due_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [reference, scenario, new Date(this.clock().getTime() + this.stepMs)],
    );
  }

  start(): void {
    const tick = Math.max(10, Math.min(500, Math.floor(this.stepMs / 2)));
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .then(() => undefined, (err: Error) => this.log.warn({ err: err.message }, 'scenario engine tick failed'))
        .finally(() => (this.running = undefined));
    }, tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Makes the moves that are due; returns how many runs it moved. */
  async tick(): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      let moved = 0;
      const due = await client.query(
        `SELECT r.ticket_reference AS reference, r.scenario, r.step
           FROM integration_runs r
          WHERE r.done_at IS NULL AND r.due_at <= $1
            AND (r.awaiting_since IS NULL OR EXISTS (
                  SELECT 1 FROM tickets t JOIN ticket_comments c ON c.ticket_id = t.id
                   WHERE t.reference = r.ticket_reference AND c.author = 'operateur' AND c.at >= r.awaiting_since))
          ORDER BY r.due_at LIMIT 20
          FOR UPDATE OF r SKIP LOCKED`,
        [this.clock()],
      );
      for (const run of due.rows as RunRow[]) {
        if (this.stopped) break;
        const { next, done, outcome, awaiting } = await this.move(run);
        await client.query(
          `UPDATE integration_runs SET step = $2, due_at = $3, awaiting_since = $4, done_at = $5, outcome = $6 WHERE ticket_reference = $1`,
          [run.reference, next, new Date(this.clock().getTime() + this.stepMs), awaiting ?? null, done ? this.clock() : null, outcome ?? null],
        );
        moved++;
      }
      return moved;
    });
  }

  private async move(run: RunRow): Promise<{ next: number; done: boolean; outcome?: string; awaiting?: Date }> {
    const steps = SCENARIOS[run.scenario];
    const step = steps[run.step];
    if (!step) return { next: run.step, done: true, outcome: 'done' };
    const last = run.step === steps.length - 1;
    let at: Date;
    try {
      at = (await this.tickets.advance({ reference: run.reference, to: step.to, actor: 'sav:plate-forme-integration', comment: step.comment, resolution: step.resolution })).at;
      if (step.savComment) await this.tickets.savComment(run.reference, 'sav:plate-forme-integration', step.savComment);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Made already (a crash between the move and its record), or moved by hand meanwhile.
      const t = await findTicket(this.pool, run.reference);
      if (t?.state === step.to) at = t.stateSince;
      else {
        this.log.info({ reference: run.reference, scenario: run.scenario, state: t?.state, wanted: step.to, err: err.message }, 'scenario stopped: the ticket was moved by hand');
        return { next: run.step, done: true, outcome: `interrompu (${t?.state ?? 'inconnu'})` };
      }
    }
    return { next: run.step + 1, done: last, outcome: last ? step.to : undefined, awaiting: step.awaitComplement ? at : undefined };
  }
}
