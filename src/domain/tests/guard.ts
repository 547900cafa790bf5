import type { Pool } from '../../db/pool.js';
import type { NotificationHub } from '../../db/notifications.js';
import { DomainError } from '../errors.js';
import type { DepositGuard } from '../tickets/service.js';
import { recentFinishedTest, testRequiredMinutes } from './repo.js';

/**
 * Per offer, ops may require a finished test on the prestation within the last N minutes before a
 * deposit (offers.test_required_minutes). The per-offer setting is read on every deposit, so it is
 * cached per process and dropped on NOTIFY esav_prestation (the offers trigger) or a lost link.
 */
export class RecentTestGuard implements DepositGuard {
  private cache?: Promise<Map<string, number>>;

  constructor(
    private readonly pool: Pool,
    private readonly hub?: NotificationHub,
  ) {
    hub?.on('esav_prestation', (id: string) => {
      if (id === '*' || !id) this.cache = undefined;
    });
    hub?.on('reset', () => (this.cache = undefined));
  }

  private requirements(): Promise<Map<string, number>> {
    if (!this.hub?.live) return testRequiredMinutes(this.pool);
    if (!this.cache) {
      const p = testRequiredMinutes(this.pool);
      p.catch(() => (this.cache = undefined));
      this.cache = p;
    }
    return this.cache;
  }

  async check(caller: { siren: string }, prestation: { prestationId: string; offerCode: string }, _req: unknown, now: Date): Promise<void> {
    const minutes = (await this.requirements()).get(prestation.offerCode);
    if (minutes === undefined) return;
    const since = new Date(now.getTime() - minutes * 60_000);
    if (await recentFinishedTest(this.pool, caller.siren, prestation.prestationId, since, now)) return;
    throw new DomainError(
      'TEST_PREALABLE_REQUIS',
      `L'offre ${prestation.offerCode} exige un test terminé sur la prestation ${prestation.prestationId} depuis moins de ${minutes} minutes avant tout dépôt : lancez un test (service test, lancerTest) puis déposez la signalisation.`,
    );
  }
}
