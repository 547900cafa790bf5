import type { Pool } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Identity } from '../identity/resolver.js';
import { clientFault } from '../soap/faults.js';
import { domainOf, type Domain } from './domains.js';
import { validatedDomains } from './repo.js';

/** The stable code of the refusal: an integrator's system can branch on it. */
export const NOT_VALIDATED = 'OPERATEUR_NON_VALIDE';

type Entry = ReadonlySet<Domain> | Promise<ReadonlySet<Domain>>;

/**
 * Production: a call to a domain the operator has not validated on the integration platform is
 * refused (article 5.2.1). On the hot path: the operator's validated domains are read once per
 * process and kept in memory (validated or not); the `esav_validation` NOTIFY of a trigger drops
 * the operator's entry in every process, so a validation counts from the next request. While
 * notifications are down the cache is bypassed, like the identity cache.
 */
export class ValidationGate {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly pool: Pool,
    private readonly hub: NotificationHub,
  ) {
    hub.on('esav_validation', (siren: string) => (siren ? this.cache.delete(siren) : this.cache.clear()));
    hub.on('reset', () => this.cache.clear());
  }

  /** Returns nothing when the answer is in memory; a promise only on a miss. Throws/rejects the refusal. */
  check(identity: Identity, service: string): void | Promise<void> {
    const domain = domainOf(service);
    if (!domain) return;
    const hit = this.hub.live ? this.cache.get(identity.siren) : undefined;
    if (hit && !(hit instanceof Promise)) {
      if (!hit.has(domain)) throw refusal(identity.siren, domain);
      return;
    }
    return (hit ?? this.load(identity.siren)).then((set) => {
      if (!set.has(domain)) throw refusal(identity.siren, domain);
    });
  }

  private load(siren: string): Promise<ReadonlySet<Domain>> {
    const p = validatedDomains(this.pool, siren);
    if (!this.hub.live) return p;
    this.cache.set(siren, p);
    p.then(
      // Keep the value only if no notification dropped the entry meanwhile.
      (set) => this.cache.get(siren) === p && this.cache.set(siren, set),
      () => this.cache.get(siren) === p && this.cache.delete(siren),
    );
    return p;
  }
}

function refusal(siren: string, domain: Domain) {
  return clientFault(
    NOT_VALIDATED,
    `L'opérateur ${siren} n'a pas validé le domaine ${domain} : faites au moins un appel réussi d'un service de ce domaine sur la plate-forme d'intégration e-SAV (protocole de validation du guide d'intégration), ou demandez au Fournisseur d'enregistrer une validation faite ailleurs.`,
  );
}
