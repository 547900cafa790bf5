// Each process's in-memory copy of lifecycle_versions, refreshed on NOTIFY esav_lifecycle (and
// when the LISTEN connection comes back). Requests read dates from it, never from the database.
import { join } from 'node:path';
import type { Pool } from '../db/pool.js';
import type { NotificationHub } from '../db/notifications.js';
import type { Logger } from '../log.js';
import { WSDL_DIR } from '../paths.js';
import { loadVersion, type ServiceRegistry, type ServiceVersion } from '../soap/registry.js';
import { clientFault } from '../soap/faults.js';
import { escapeXml } from '../soap/serialize.js';
import { XmlElement } from '../soap/xml.js';
import { CATALOGUE_NAME, currentOf, hasEnded, loadRows, type Kind, type LifecycleRow } from './versions.js';
import type { LifecycleCatalogues } from './catalogues.js';
import { logReloadFailure } from '../db/unavailable.js';

export const EVOLUTION_NS = 'urn:fr:esav:evolution:v1';

export class LifecycleView {
  private rows: LifecycleRow[] = [];
  // kind -> name -> version: read on every call, so no key string is built per lookup.
  private byKey = new Map<string, Map<string, Map<string, LifecycleRow>>>();
  private catalogueSunsets = false;
  /** Validators of versions removed from the registry: a request may still use one; freed at close. */
  private readonly removed: ServiceVersion[] = [];
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
    private readonly log: Logger,
    private readonly registry?: ServiceRegistry,
    private readonly catalogues?: LifecycleCatalogues,
  ) {}

  /** Loads now and follows notifications. */
  async start(hub: NotificationHub): Promise<void> {
    await this.refresh();
    const again = () => {
      this.refreshing = this.refreshing.then(() => this.refresh()).catch((err) => logReloadFailure(this.log, err, 'lifecycle reload failed'));
    };
    hub.on('esav_lifecycle', (table: string) => {
      if (table === 'lifecycle_versions') again();
    });
    hub.on('reset', again);
  }

  /** Waits for reloads in progress (tests, tools). */
  settled(): Promise<void> {
    return this.refreshing;
  }

  async refresh(): Promise<void> {
    const rows = await loadRows(this.pool);
    this.rows = rows;
    const byKey = new Map<string, Map<string, Map<string, LifecycleRow>>>();
    for (const r of rows) {
      let names = byKey.get(r.kind);
      if (!names) byKey.set(r.kind, (names = new Map()));
      let versions = names.get(r.name);
      if (!versions) names.set(r.name, (versions = new Map()));
      versions.set(r.version, r);
    }
    this.byKey = byKey;
    this.catalogueSunsets = rows.some((r) => r.kind === 'catalogue' && r.status === 'live' && r.sunsetDate !== null);
    this.syncRegistry();
    this.catalogues?.sync(rows.filter((r) => r.kind === 'catalogue'), this.log);
  }

  /** The registry holds exactly the versions the table says are live (artefacts compiled once). */
  private syncRegistry(): void {
    const registry = this.registry;
    if (!registry) return;
    for (const v of registry.list()) {
      const row = this.row('service', v.service, v.version);
      if (!row || row.status !== 'live') {
        const out = registry.remove(v.service, v.version);
        if (out) this.removed.push(out);
      }
    }
    for (const r of this.rows) {
      if (r.kind !== 'service' || r.status !== 'live' || registry.get(r.name, r.version)) continue;
      try {
        registry.add(loadVersion(join(WSDL_DIR, r.name, r.version)));
      } catch (err) {
        this.log.error({ err, service: r.name, version: r.version }, 'published version could not be loaded');
      }
    }
  }

  row(kind: Kind, name: string, version: string): LifecycleRow | undefined {
    return this.byKey.get(kind)?.get(name)?.get(version);
  }

  rowsOf(kind: Kind, name: string): LifecycleRow[] {
    return this.rows.filter((r) => r.kind === kind && r.name === name);
  }

  /** Retired, or past its sunset, at the clock's now. */
  ended(kind: Kind, name: string, version: string, now = this.clock()): LifecycleRow | undefined {
    const r = this.row(kind, name, version);
    return r && hasEnded(r, now) ? r : undefined;
  }

  current(kind: Kind, name: string, now = this.clock()): LifecycleRow | undefined {
    return currentOf(this.rowsOf(kind, name), now);
  }

  /**
   * Pipeline, RECEIVE: a version whose end has come answers VERSION_RETIREE naming the current
   * version; a live version with a sunset gets the avisEvolution header on its answers.
   */
  checkVersion(service: string, version: string): string | undefined {
    const now = this.clock();
    const r = this.row('service', service, version);
    if (!r) return undefined;
    if (hasEnded(r, now)) {
      const cur = this.current('service', service, now);
      const when = r.status === 'retired' && !r.sunsetDate ? '' : ` depuis le ${r.sunsetDate}`;
      throw clientFault(
        'VERSION_RETIREE',
        `La version ${version} du service ${service} n'est plus en service${when}` +
          (cur ? ` ; version courante : ${cur.version} (/ws/${service}/${cur.version}?wsdl).` : '.'),
      );
    }
    return r.sunsetDate ? avisEvolution({ service, version, sunsetDate: r.sunsetDate, current: this.current('service', service, now)?.version }) : undefined;
  }

  /** Pipeline, before INVOKE: the header for a catalogue with a sunset named by the payload's form. */
  catalogueNotice(payload: XmlElement): string | undefined {
    if (!this.catalogueSunsets) return undefined;
    const form = payload.get(".//*[local-name()='formulaire'][@catalogue]");
    const version = form instanceof XmlElement ? form.attr('catalogue')?.value : undefined;
    if (!version) return undefined;
    const now = this.clock();
    const r = this.row('catalogue', CATALOGUE_NAME, version);
    if (!r || !r.sunsetDate || hasEnded(r, now)) return undefined;
    return avisEvolution({ catalogue: version, sunsetDate: r.sunsetDate, current: this.current('catalogue', CATALOGUE_NAME, now)?.version });
  }

  dispose(): void {
    for (const v of this.removed.splice(0)) v.validator.dispose();
  }
}

/**
 * <e:avisEvolution xmlns:e="urn:fr:esav:evolution:v1"> (not mustUnderstand): the called version
 * (or the catalogue of the form) ends on dateFinVersion; versionCourante is the one to move to.
 */
export function avisEvolution(a: { service?: string; version?: string; catalogue?: string; sunsetDate: string; current?: string }): string {
  const what = a.catalogue !== undefined ? `<e:catalogue>${escapeXml(a.catalogue)}</e:catalogue>` : `<e:service>${escapeXml(a.service ?? '')}</e:service><e:version>${escapeXml(a.version ?? '')}</e:version>`;
  return (
    `<e:avisEvolution xmlns:e="${EVOLUTION_NS}">${what}<e:dateFinVersion>${a.sunsetDate}</e:dateFinVersion>` +
    (a.current ? `<e:versionCourante>${escapeXml(a.current)}</e:versionCourante>` : '') +
    `</e:avisEvolution>`
  );
}
