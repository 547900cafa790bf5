// The form catalogues as lifecycle_versions says: live ones loaded (forms compiled once), those
// past their sunset hidden at the clock's now (CATALOGUE_INCONNU names the live ones).
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { CATALOGUE_DIR, CatalogueRegistry, loadCatalogueVersion, type CatalogueVersion } from '../catalogue/registry.js';
import { hasEnded, type LifecycleRow } from './versions.js';

export class LifecycleCatalogues extends CatalogueRegistry {
  private readonly loaded = new Map<string, { v: CatalogueVersion; row: LifecycleRow }>();
  private readonly removed: CatalogueVersion[] = [];

  constructor(
    private readonly clock: () => Date,
    private readonly root = CATALOGUE_DIR,
  ) {
    super();
  }

  /** Follows the table: loads newly live catalogues, drops retired ones. */
  sync(rows: LifecycleRow[], log: Logger): void {
    const live = new Map(rows.filter((r) => r.status === 'live').map((r) => [r.version, r]));
    for (const [version, entry] of this.loaded) {
      const row = live.get(version);
      if (row) entry.row = row;
      else {
        this.loaded.delete(version);
        this.removed.push(entry.v);
      }
    }
    for (const [version, row] of live) {
      if (this.loaded.has(version)) continue;
      try {
        this.loaded.set(version, { v: loadCatalogueVersion(join(this.root, version)), row });
      } catch (err) {
        log.error({ err, catalogue: version }, 'published catalogue could not be loaded');
      }
    }
  }

  override add(): void {
    throw new Error('catalogues are published with esav catalogue publish');
  }

  override get(version: string): CatalogueVersion | undefined {
    const e = this.loaded.get(version);
    return e && !hasEnded(e.row, this.clock()) ? this.view(e) : undefined;
  }

  override live(): CatalogueVersion[] {
    const now = this.clock();
    return [...this.loaded.values()]
      .filter((e) => !hasEnded(e.row, now))
      .map((e) => this.view(e))
      .sort((a, b) => a.version.localeCompare(b.version));
  }

  private view(e: { v: CatalogueVersion; row: LifecycleRow }): CatalogueVersion {
    return { ...e.v, status: 'live', productionDate: e.row.productionDate, sunsetDate: e.row.sunsetDate };
  }

  override dispose(): void {
    for (const v of [...this.removed.splice(0), ...[...this.loaded.values()].map((e) => e.v)]) for (const f of v.forms.values()) f.validator.dispose();
    this.loaded.clear();
    super.dispose();
  }
}
