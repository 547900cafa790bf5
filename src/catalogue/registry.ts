import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ParseOption, XmlError, XmlParseError } from 'libxml2-wasm';
import { compileSchemaFile, elementChildren, validateElement, XmlDocument, XmlElement, type XsdValidator } from '../soap/xml.js';
import { SoapFault } from '../soap/faults.js';
import { XSD_DIR } from '../paths.js';

/** One top-level field of a form, as the nomenclature declares it (same order as the form's XSD). */
export interface FieldSpec {
  name: string;
  required: boolean;
  /** French label, for the HTML mock-ups and error messages. */
  label: string;
}

export interface FormSpec {
  code: string;
  /** Offer codes whose prestations are signalled with this form. */
  offers: string[];
  /** Local name of the form's root element. */
  element: string;
  /** Target namespace of the form's XSD; it contains the catalogue version. */
  namespace: string;
  /** Absolute path of the form's XSD. */
  file: string;
  fields: FieldSpec[];
  /** Compiled once at load, reused for every deposit; disposed by CatalogueRegistry.dispose(). */
  validator: XsdValidator;
}

/** xsd/catalogue/<version>/: nomenclature.xml + one XSD per form. */
export interface CatalogueVersion {
  version: string;
  productionDate: string;
  sunsetDate: string | null;
  status: 'live' | 'retired';
  dir: string;
  /** form code -> form */
  forms: Map<string, FormSpec>;
}

export class CatalogueError extends Error {}

export const MAX_LIVE_CATALOGUES = 2;

export const CATALOGUE_DIR = join(XSD_DIR, 'catalogue');
export const NOMENCLATURE_NS = 'urn:fr:esav:catalogue:nomenclature';
export const NOMENCLATURE_FILE = 'nomenclature.xml';
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

/**
 * The live versions of the form catalogue (article 13: the older catalogue cohabits with the new
 * one for a month, so never more than two live at once). Form schemas are compiled at load.
 */
export class CatalogueRegistry {
  private readonly versions = new Map<string, CatalogueVersion>();

  add(v: CatalogueVersion): void {
    const live = () => [...this.versions.keys()].sort().join(', ') || 'none';
    if (v.status !== 'live') {
      throw new CatalogueError(`catalogue ${v.version} is ${v.status}: only live catalogues can be added (live: ${live()})`);
    }
    if (this.versions.has(v.version)) throw new CatalogueError(`catalogue ${v.version} is already live (live: ${live()})`);
    if (this.versions.size >= MAX_LIVE_CATALOGUES) {
      throw new CatalogueError(
        `${MAX_LIVE_CATALOGUES} catalogue versions are already live (${live()}): retire one before publishing ${v.version}`,
      );
    }
    this.versions.set(v.version, v);
  }

  get(version: string): CatalogueVersion | undefined {
    return this.versions.get(version);
  }

  /** Live versions, oldest first (versions are YYYY-MM, so string order is date order). */
  live(): CatalogueVersion[] {
    return [...this.versions.values()].sort((a, b) => a.version.localeCompare(b.version));
  }

  dispose(): void {
    for (const v of this.versions.values()) disposeForms(v);
    this.versions.clear();
  }
}

function disposeForms(v: CatalogueVersion): void {
  for (const f of v.forms.values()) f.validator.dispose();
}

// ---------------------------------------------------------------------------------------------
// Loading

interface NomenclatureForm {
  code: string;
  file: string;
  element: string;
  namespace: string;
  offers: string[];
  fields: FieldSpec[];
}

interface Nomenclature {
  version: string;
  productionDate: string;
  sunsetDate: string | null;
  status: 'live' | 'retired';
  forms: NomenclatureForm[];
}

const attr = (el: XmlElement, name: string): string | undefined => el.attr(name)?.value;
const req = (el: XmlElement, name: string): string => {
  const v = attr(el, name);
  // The nomenclature XSD makes these attributes required; this is only a guard.
  if (v === undefined) throw new CatalogueError(`<${el.name}> has no ${name} attribute`);
  return v;
};
const children = (el: XmlElement, name: string, ns: string) =>
  elementChildren(el).filter((c) => c.name === name && c.namespaceUri === ns);

function parseOwnFile(path: string): XmlDocument {
  try {
    return XmlDocument.fromBuffer(readFileSync(path), {
      url: path,
      option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE,
    });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const where = err.details.map((d) => `line ${d.line}: ${d.message.trim()}`).join('; ');
      throw new CatalogueError(`${path} is not well-formed XML (${where})`);
    }
    throw err;
  }
}

function compileNomenclatureSchema(): XsdValidator {
  return compileSchemaFile(join(XSD_DIR, 'catalogue', 'nomenclature.xsd'));
}

/** Parses nomenclature.xml and validates it against xsd/catalogue/nomenclature.xsd. */
function readNomenclature(dir: string, schema: XsdValidator): Nomenclature {
  const path = join(dir, NOMENCLATURE_FILE);
  if (!existsSync(path)) throw new CatalogueError(`${path} not found`);
  const doc = parseOwnFile(path);
  try {
    const root = doc.root;
    try {
      validateElement(schema, root, path);
    } catch (err) {
      if (err instanceof SoapFault) {
        const lines = err.diagnostics.map((d) => (d.line ? `line ${d.line}: ` : '') + d.message).join('; ');
        throw new CatalogueError(`${path} does not match nomenclature.xsd: ${lines}`);
      }
      throw err;
    }
    if (root.name !== 'nomenclature' || root.namespaceUri !== NOMENCLATURE_NS) {
      throw new CatalogueError(`${path}: root element must be {${NOMENCLATURE_NS}}nomenclature`);
    }
    const forms = children(root, 'formulaire', NOMENCLATURE_NS).map((f) => ({
      code: req(f, 'code'),
      file: req(f, 'fichier'),
      element: req(f, 'element'),
      namespace: req(f, 'namespace'),
      offers: children(f, 'offre', NOMENCLATURE_NS).map((o) => req(o, 'code')),
      fields: children(f, 'champ', NOMENCLATURE_NS).map((c) => ({
        name: req(c, 'nom'),
        required: ['true', '1'].includes(req(c, 'obligatoire').trim()),
        label: req(c, 'libelle'),
      })),
    }));
    return {
      version: req(root, 'version'),
      productionDate: req(root, 'productionDate'),
      sunsetDate: attr(root, 'sunsetDate') ?? null,
      status: req(root, 'status') as 'live' | 'retired',
      forms,
    };
  } finally {
    doc.dispose();
  }
}

/**
 * Checks that a form's XSD declares what the nomenclature says: its targetNamespace, a global
 * element of that name, whose content is a sequence of exactly the nomenclature's fields, in the
 * same order, each required (minOccurs != 0) exactly when the nomenclature says obligatoire.
 * So the nomenclature (used for labels and mock-ups) can never drift from the schema (used to
 * validate).
 */
function checkFormSchema(path: string, form: NomenclatureForm, version: string): void {
  const where = `catalogue ${version}, form ${form.code} (${path})`;
  if (!form.namespace.includes(version)) {
    throw new CatalogueError(`${where}: namespace ${form.namespace} must contain the catalogue version ${version}`);
  }
  const doc = parseOwnFile(path);
  try {
    const ns = { xsd: XSD_NS };
    const schema = doc.root;
    if (schema.name !== 'schema' || schema.namespaceUri !== XSD_NS) throw new CatalogueError(`${where}: not an XML Schema`);
    const tns = attr(schema, 'targetNamespace');
    if (tns !== form.namespace) {
      throw new CatalogueError(`${where}: targetNamespace is ${tns ?? '(none)'}, the nomenclature says ${form.namespace}`);
    }
    if (attr(schema, 'elementFormDefault') !== 'qualified') {
      throw new CatalogueError(`${where}: elementFormDefault must be qualified`);
    }
    const decl = schema.find('xsd:element', ns).find((e) => e instanceof XmlElement && attr(e, 'name') === form.element);
    if (!(decl instanceof XmlElement)) throw new CatalogueError(`${where}: no global element ${form.element}`);
    let type: XmlElement | undefined = children(decl, 'complexType', XSD_NS)[0];
    const typeRef = attr(decl, 'type');
    if (!type && typeRef) {
      const local = typeRef.includes(':') ? typeRef.slice(typeRef.indexOf(':') + 1) : typeRef;
      const t = schema.find('xsd:complexType', ns).find((e) => e instanceof XmlElement && attr(e, 'name') === local);
      type = t instanceof XmlElement ? t : undefined;
    }
    const seq = type && elementChildren(type).filter((c) => c.name !== 'annotation');
    if (!seq || seq.length !== 1 || seq[0].name !== 'sequence') {
      throw new CatalogueError(`${where}: ${form.element} must have a complexType made of one xsd:sequence`);
    }
    const particles = elementChildren(seq[0]).filter((c) => c.name !== 'annotation');
    const declared = particles.map((p) => {
      const name = attr(p, 'name');
      if (p.name !== 'element' || !name) {
        throw new CatalogueError(`${where}: the sequence of ${form.element} may only hold named xsd:element (found xsd:${p.name})`);
      }
      return { name, required: (attr(p, 'minOccurs') ?? '1').trim() !== '0' };
    });
    const show = (fs: { name: string; required: boolean }[]) =>
      fs.map((f) => `${f.name}${f.required ? '' : '?'}`).join(', ');
    if (show(declared) !== show(form.fields)) {
      throw new CatalogueError(
        `${where}: the nomenclature's fields (${show(form.fields)}) differ from the schema's (${show(declared)}) (? = optional)`,
      );
    }
  } finally {
    doc.dispose();
  }
}

function buildVersion(dir: string, n: Nomenclature): CatalogueVersion {
  if (basename(dir) !== n.version) {
    throw new CatalogueError(`${join(dir, NOMENCLATURE_FILE)}: version ${n.version} does not match the folder name ${basename(dir)}`);
  }
  const forms = new Map<string, FormSpec>();
  const v: CatalogueVersion = { ...n, dir, forms: forms };
  try {
    for (const f of n.forms) {
      const file = resolve(dir, f.file);
      // fichier is a bare file name (nomenclature.xsd pattern); this is only a guard.
      if (dirname(file) !== resolve(dir)) throw new CatalogueError(`catalogue ${n.version}: ${f.file} is outside ${dir}`);
      if (!existsSync(file)) throw new CatalogueError(`catalogue ${n.version}, form ${f.code}: ${file} not found`);
      checkFormSchema(file, f, n.version);
      let validator: XsdValidator;
      try {
        validator = compileSchemaFile(file);
      } catch (err) {
        if (err instanceof XmlError) throw new CatalogueError(`catalogue ${n.version}, form ${f.code}: ${file} does not compile: ${err.message}`);
        throw err;
      }
      forms.set(f.code, { code: f.code, offers: f.offers, element: f.element, namespace: f.namespace, file, fields: f.fields, validator });
    }
  } catch (err) {
    disposeForms(v);
    throw err;
  }
  return v;
}

/** Loads xsd/catalogue/<version>/ (any status): validates the nomenclature, checks and compiles each form. */
export function loadCatalogueVersion(dir: string): CatalogueVersion {
  const schema = compileNomenclatureSchema();
  try {
    return buildVersion(dir, readNomenclature(dir, schema));
  } finally {
    schema.dispose();
  }
}

/** Loads every live catalogue version under root (retired ones are skipped). */
export function loadCatalogues(root: string = CATALOGUE_DIR): CatalogueRegistry {
  const registry = new CatalogueRegistry();
  const schema = compileNomenclatureSchema();
  try {
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name);
      if (!statSync(dir).isDirectory() || !existsSync(join(dir, NOMENCLATURE_FILE))) continue;
      const n = readNomenclature(dir, schema);
      if (n.status !== 'live') continue;
      const v = buildVersion(dir, n);
      try {
        registry.add(v);
      } catch (err) {
        disposeForms(v);
        throw err;
      }
    }
  } catch (err) {
    registry.dispose();
    throw err;
  } finally {
    schema.dispose();
  }
  return registry;
}
