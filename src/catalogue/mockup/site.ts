// The mock-up site of the catalogues on disk: index.html (versions), <v>/index.html (nomenclature),
// <v>/<CODE>.html and <v>/<CODE>.xml. Served by the admin listener and written by
// `esav catalogue render`. A version's forms are built once (the XSDs of a version never change)
// and every sample is validated by the gateway's own form validator before it is shown.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE_DIR, CatalogueRegistry, loadCatalogueVersion, NOMENCLATURE_FILE } from '../registry.js';
import { validateFormDocument } from '../validate.js';
import { SoapFault } from '../../soap/faults.js';
import { parisDate } from '../../calendar/index.js';
import { CATALOGUE_NAME, hasEnded, type LifecycleRow } from '../../lifecycle/versions.js';
import { formModel, MockupError, type FormModel } from './model.js';
import { sampleForm, type Sample } from './sample.js';
import { formPage, versionPage, versionsPage, type CatalogueDates, type VersionEntry } from './html.js';

export const VERSION_RE = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

export interface FormMockup {
  model: FormModel;
  sample: Sample;
  html: string;
}

export interface VersionMockup {
  version: string;
  /** The nomenclature's own dates, shown when the lifecycle table does not know the version. */
  nomenclature: CatalogueDates;
  forms: FormMockup[];
}

export interface MockupFile {
  type: 'text/html' | 'application/xml';
  body: string;
}

/** Dates of a version in the lifecycle table, or undefined if it is not there. */
export type DatesOf = (version: string) => CatalogueDates | undefined;

/** Lifecycle dates from the table's rows, at `now` (the admin listener passes its in-memory view). */
export function lifecycleDates(row: (version: string) => LifecycleRow | undefined, now: () => Date): DatesOf {
  return (version) => {
    const r = row(version);
    if (!r) return undefined;
    const at = now();
    return {
      status: r.status,
      productionDate: r.productionDate,
      sunsetDate: r.sunsetDate,
      source: 'lifecycle',
      ended: hasEnded(r, at),
      upcoming: r.productionDate > parisDate(at),
    };
  };
}

export const datesFromRows = (rows: LifecycleRow[], now: () => Date): DatesOf =>
  lifecycleDates((v) => rows.find((r) => r.kind === 'catalogue' && r.name === CATALOGUE_NAME && r.version === v), now);

/** Catalogue versions on disk (folders named YYYY-MM holding a nomenclature), oldest first. */
export function versionsOnDisk(root = CATALOGUE_DIR): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => VERSION_RE.test(d) && existsSync(join(root, d, NOMENCLATURE_FILE)))
    .sort();
}

/**
 * Validates a sample with the gateway's own check of a deposited form (schema, then the rules the
 * XSD cannot say): a sample the gateway would refuse is an error, never a page.
 */
function checkSample(reg: CatalogueRegistry, version: string, code: string, offer: string, xml: string): void {
  try {
    validateFormDocument(reg, version, code, offer, xml);
  } catch (err) {
    if (err instanceof SoapFault) {
      const diag = err.diagnostics.map((d) => `${d.line ? `line ${d.line}: ` : ''}${d.message}`).join('; ');
      throw new MockupError(`catalogue ${version}, form ${code}: the generated sample is refused (${err.code}: ${err.message}${diag ? ` ${diag}` : ''})`);
    }
    throw err;
  }
}

/** Builds the mock-ups of one catalogue folder (any status); throws on a construct it does not render. */
export function buildVersionMockup(dir: string): VersionMockup {
  const cat = loadCatalogueVersion(dir);
  // A registry of this version alone, for the form check (which serves live versions only).
  const reg = new CatalogueRegistry();
  try {
    reg.add({ ...cat, status: 'live' });
    const forms = [...cat.forms.values()].map((spec) => {
      const model = formModel(cat.version, spec);
      const sample = sampleForm(model);
      checkSample(reg, cat.version, spec.code, spec.offers[0]!, sample.xml);
      return { model, sample, html: formPage(model, sample) };
    });
    return {
      version: cat.version,
      nomenclature: { status: cat.status, productionDate: cat.productionDate, sunsetDate: cat.sunsetDate, source: 'nomenclature' },
      forms,
    };
  } finally {
    if (reg.get(cat.version)) reg.dispose();
    else for (const f of cat.forms.values()) f.validator.dispose();
  }
}

export class MockupSite {
  private readonly cache = new Map<string, VersionMockup>();

  constructor(
    private readonly datesOf: DatesOf = () => undefined,
    private readonly root = CATALOGUE_DIR,
  ) {}

  versions(): string[] {
    return versionsOnDisk(this.root);
  }

  /** The version's mock-ups, undefined if there is no such folder; throws if it cannot be rendered. */
  version(v: string): VersionMockup | undefined {
    if (!VERSION_RE.test(v) || !this.versions().includes(v)) return undefined;
    let m = this.cache.get(v);
    if (!m) this.cache.set(v, (m = buildVersionMockup(join(this.root, v))));
    return m;
  }

  private dates(m: VersionMockup): CatalogueDates {
    return this.datesOf(m.version) ?? m.nomenclature;
  }

  /** index.html: every version on disk; one that cannot be rendered is listed with its error. */
  indexPage(only?: string[]): string {
    const entries: VersionEntry[] = this.versions()
      .filter((v) => !only || only.includes(v))
      .map((v) => {
        try {
          return { version: v, dates: this.dates(this.version(v)!) };
        } catch (err) {
          return { version: v, error: (err as Error).message };
        }
      });
    return versionsPage(entries);
  }

  /** A file of a version: index.html, <CODE>.html or <CODE>.xml; undefined when there is none. */
  file(version: string, name: string): MockupFile | undefined {
    const m = this.version(version);
    if (!m) return undefined;
    if (name === 'index.html' || name === '') return { type: 'text/html', body: versionPage(m.version, this.dates(m), m.forms.map((f) => f.model)) };
    const hit = /^([A-Z][A-Z0-9_]*)\.(html|xml)$/.exec(name);
    const form = hit && m.forms.find((f) => f.model.code === hit[1]);
    if (!form) return undefined;
    return hit[2] === 'html' ? { type: 'text/html', body: form.html } : { type: 'application/xml', body: form.sample.xml };
  }

  /** Writes index.html and each version's pages under out; returns the files written. */
  writeTo(out: string, versions = this.versions()): string[] {
    const written: string[] = [];
    const write = (path: string, body: string) => {
      writeFileSync(path, body);
      written.push(path);
    };
    // Build everything first: a version that cannot be rendered writes nothing.
    const built = versions.map((v) => this.version(v) ?? (() => { throw new MockupError(`no catalogue ${v} under ${this.root}`); })());
    mkdirSync(out, { recursive: true });
    write(join(out, 'index.html'), this.indexPage(versions));
    for (const m of built) {
      const dir = join(out, m.version);
      mkdirSync(dir, { recursive: true });
      write(join(dir, 'index.html'), this.file(m.version, 'index.html')!.body);
      for (const f of m.forms) {
        write(join(dir, `${f.model.code}.html`), f.html);
        write(join(dir, `${f.model.code}.xml`), f.sample.xml);
      }
    }
    return written;
  }
}
