// esav catalogue render --out <dir> [--version <YYYY-MM>] [--no-db]: the form mock-ups as files
// (the pages of the admin listener's /catalogue/), openable from disk.
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { flags, required, UsageError } from './args.js';
import { withDb, type Out } from './commands.js';
import { CATALOGUE_NAME, loadRows, type LifecycleRow } from '../lifecycle/versions.js';
import { datesFromRows, MockupSite, VERSION_RE, versionsOnDisk } from '../catalogue/mockup/site.js';
import { CATALOGUE_DIR } from '../catalogue/registry.js';

export async function catalogueRender(config: Config, argv: string[], out: Out): Promise<void> {
  const f = flags(argv, { out: 'string', version: 'string', 'no-db': 'boolean' });
  if (f._) throw new UsageError(`unexpected argument "${f._}": give the catalogue version with --version <YYYY-MM>`);
  const dir = resolve(required(f, 'out', 'the folder to write the pages to'));
  const onDisk = versionsOnDisk();
  const version = f.version as string | undefined;
  if (version !== undefined && (!VERSION_RE.test(version) || !onDisk.includes(version))) {
    throw new UsageError(`--version ${version}: no such catalogue under ${CATALOGUE_DIR} (there: ${onDisk.join(', ') || 'none'})`);
  }
  // The dates operators see are the lifecycle table's; --no-db shows the nomenclatures' instead.
  let rows: LifecycleRow[] = [];
  if (!f['no-db']) rows = await withDb(config, (db) => loadRows(db.pool, 'catalogue', CATALOGUE_NAME));
  const site = new MockupSite(datesFromRows(rows, () => new Date()));
  const versions = version ? [version] : onDisk;
  const files = site.writeTo(dir, versions);
  for (const v of versions) out(`catalogue ${v}: ${site.version(v)!.forms.length} form mock-ups in ${resolve(dir, v)}`);
  out(`${files.length} files written; open ${resolve(dir, 'index.html')}`);
}
