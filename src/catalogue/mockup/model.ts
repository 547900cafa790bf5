// A catalogue form as the mock-ups show it: its fields in schema order with their nesting,
// occurrences, types and restrictions, read from the form's XSD. Only the constructs listed in
// docs/catalogue.md are understood; any other one throws MockupError naming it (file, line), so a
// future catalogue is never rendered wrong without anyone noticing.
import { basename } from 'node:path';
import type { FormSpec } from '../registry.js';
import { parseXsdRegex, RegexError } from './regex.js';
import { MockupError, readXsd, resolveQName, where, XSD_NS, type XsdNode } from './xsdTree.js';

export { MockupError } from './xsdTree.js';

/** Built-in XSD types the mock-ups render, with the bounds their derivation implies. */
export const BUILTINS = {
  string: { family: 'string' },
  normalizedString: { family: 'string' },
  token: { family: 'string' },
  anyURI: { family: 'string' },
  boolean: { family: 'boolean' },
  date: { family: 'date' },
  dateTime: { family: 'dateTime' },
  time: { family: 'time' },
  gYear: { family: 'gYear' },
  decimal: { family: 'decimal' },
  integer: { family: 'integer' },
  long: { family: 'integer', min: '-9223372036854775808', max: '9223372036854775807' },
  int: { family: 'integer', min: '-2147483648', max: '2147483647' },
  short: { family: 'integer', min: '-32768', max: '32767' },
  byte: { family: 'integer', min: '-128', max: '127' },
  nonNegativeInteger: { family: 'integer', min: '0' },
  positiveInteger: { family: 'integer', min: '1' },
  nonPositiveInteger: { family: 'integer', max: '0' },
  negativeInteger: { family: 'integer', max: '-1' },
  unsignedLong: { family: 'integer', min: '0', max: '18446744073709551615' },
  unsignedInt: { family: 'integer', min: '0', max: '4294967295' },
  unsignedShort: { family: 'integer', min: '0', max: '65535' },
  unsignedByte: { family: 'integer', min: '0', max: '255' },
} as const satisfies Record<string, { family: string; min?: string; max?: string }>;
export type Builtin = keyof typeof BUILTINS;
export type Family = (typeof BUILTINS)[Builtin]['family'];

export interface EnumValue {
  value: string;
  doc?: string;
}

export interface Facets {
  /** XSD pattern sources: a value matches one pattern of each derivation step (OR within a step, AND across). */
  patterns: string[][];
  enumeration?: EnumValue[];
  length?: number;
  minLength?: number;
  maxLength?: number;
  minInclusive?: string;
  maxInclusive?: string;
  minExclusive?: string;
  maxExclusive?: string;
  totalDigits?: number;
  fractionDigits?: number;
  whiteSpace?: 'preserve' | 'replace' | 'collapse';
}

export interface SimpleTypeModel {
  /** Named type (NumeroLigne), absent for an anonymous one. */
  name?: string;
  builtin: Builtin;
  doc?: string;
  facets: Facets;
}

export interface ElementModel {
  kind: 'element';
  name: string;
  /** Path below the form's root element: contact/telephone (the root's own path is ''). */
  path: string;
  /** The nomenclature's label for a top-level field, else the first sentence of the documentation. */
  label: string;
  doc?: string;
  minOccurs: number;
  /** Infinity for unbounded. */
  maxOccurs: number;
  simple?: SimpleTypeModel;
  complex?: ComplexModel;
}

export interface GroupModel {
  kind: 'sequence' | 'choice';
  minOccurs: number;
  maxOccurs: number;
  particles: Particle[];
}
export type Particle = ElementModel | GroupModel;

export interface ComplexModel {
  name?: string;
  doc?: string;
  /** Undefined: an empty element. */
  content?: GroupModel;
}

export interface FormModel {
  version: string;
  code: string;
  offers: string[];
  /** Root element's local name and namespace. */
  element: string;
  namespace: string;
  /** The XSD file's name in the catalogue folder. */
  file: string;
  /** The schema's own documentation (what the form is for). */
  title: string;
  root: ElementModel;
}

// ---------------------------------------------------------------------------------------------

const FACETS = ['pattern', 'enumeration', 'length', 'minLength', 'maxLength', 'minInclusive', 'maxInclusive', 'minExclusive', 'maxExclusive', 'totalDigits', 'fractionDigits', 'whiteSpace'] as const;

function refuse(n: XsdNode, what: string): never {
  throw new MockupError(`${where(n)}: ${what} is not handled by the catalogue mock-ups (docs/catalogue.md lists what is)`);
}

/** Refuses any attribute or child element outside the lists: a construct not understood is never skipped. */
function only(n: XsdNode, attrs: readonly string[], children: readonly string[]): void {
  for (const a of Object.keys(n.attrs)) if (!attrs.includes(a) && a !== 'id' && a !== 'xml:lang') refuse(n, `the attribute ${a}="${n.attrs[a]}"`);
  for (const c of n.children) {
    if (c.namespace !== XSD_NS) refuse(c, `the foreign element {${c.namespace}}${c.name}`);
    if (!children.includes(c.name)) refuse(c, `xsd:${c.name} inside xsd:${n.name}`);
  }
}

function docOf(n: XsdNode): string | undefined {
  const ann = n.children.filter((c) => c.name === 'annotation');
  if (ann.length > 1) refuse(ann[1]!, 'a second xsd:annotation');
  if (!ann[0]) return undefined;
  only(ann[0], [], ['documentation', 'appinfo']);
  const docs = ann[0].children.filter((c) => c.name === 'documentation');
  const fr = docs.find((d) => d.attrs['xml:lang'] === 'fr') ?? docs[0];
  const text = fr?.text.replace(/\s+/g, ' ').trim();
  return text || undefined;
}

const body = (n: XsdNode) => n.children.filter((c) => c.name !== 'annotation');

function occurs(n: XsdNode): { minOccurs: number; maxOccurs: number } {
  const min = n.attrs.minOccurs ?? '1';
  const max = n.attrs.maxOccurs ?? '1';
  if (!/^\d+$/.test(min)) refuse(n, `minOccurs="${min}"`);
  if (max !== 'unbounded' && !/^\d+$/.test(max)) refuse(n, `maxOccurs="${max}"`);
  const r = { minOccurs: Number(min), maxOccurs: max === 'unbounded' ? Infinity : Number(max) };
  if (r.maxOccurs === 0 || r.maxOccurs < r.minOccurs) refuse(n, `minOccurs="${min}" with maxOccurs="${max}"`);
  return r;
}

/** "Nom et prénom du contact (1 à 100 caractères)." -> "Nom et prénom du contact" */
export function firstSentence(doc: string | undefined): string | undefined {
  if (!doc) return undefined;
  const cut = [doc.indexOf('. '), doc.indexOf(' ('), doc.indexOf(' : ')].filter((i) => i > 0);
  const s = (cut.length ? doc.slice(0, Math.min(...cut)) : doc).replace(/\.$/, '').trim();
  return s || undefined;
}

class SchemaIndex {
  readonly tns: string;
  private readonly simple = new Map<string, XsdNode>();
  private readonly complex = new Map<string, XsdNode>();
  private readonly groups = new Map<string, XsdNode>();
  readonly elements = new Map<string, XsdNode>();
  /** Named types and groups being expanded: a recursive definition is refused, not looped on. */
  private readonly expanding: string[] = [];

  constructor(readonly schema: XsdNode) {
    only(schema, ['targetNamespace', 'elementFormDefault', 'attributeFormDefault', 'version'], ['annotation', 'simpleType', 'complexType', 'element', 'group']);
    if (schema.attrs.elementFormDefault !== 'qualified') refuse(schema, `elementFormDefault="${schema.attrs.elementFormDefault ?? 'unqualified'}" (forms are qualified)`);
    this.tns = schema.attrs.targetNamespace ?? refuse(schema, 'a schema without targetNamespace');
    for (const c of body(schema)) {
      const name = c.attrs.name ?? refuse(c, `a global xsd:${c.name} without name`);
      const map = c.name === 'simpleType' ? this.simple : c.name === 'complexType' ? this.complex : c.name === 'group' ? this.groups : this.elements;
      if (map.has(name)) refuse(c, `a second global xsd:${c.name} "${name}"`);
      map.set(name, c);
    }
  }

  private guard<T>(key: string, n: XsdNode, fn: () => T): T {
    if (this.expanding.includes(key)) refuse(n, `the recursive definition ${[...this.expanding, key].join(' -> ')}`);
    this.expanding.push(key);
    try {
      return fn();
    } finally {
      this.expanding.pop();
    }
  }

  /** A type reference (type="..." or base="..."): built-in, or a named type of this schema. */
  typeRef(n: XsdNode, value: string): { simple: SimpleTypeModel } | { complex: ComplexModel } {
    const q = resolveQName(n, value);
    if (q.ns === XSD_NS) {
      if (!(q.local in BUILTINS)) refuse(n, `the built-in type xsd:${q.local}`);
      return { simple: { builtin: q.local as Builtin, facets: { patterns: [] } } };
    }
    if (q.ns !== this.tns) refuse(n, `the type ${value} from another namespace (${q.ns || 'none'})`);
    const s = this.simple.get(q.local);
    if (s) return { simple: this.guard(`simpleType ${q.local}`, n, () => this.simpleType(s)) };
    const c = this.complex.get(q.local);
    if (c) return { complex: this.guard(`complexType ${q.local}`, n, () => this.complexType(c)) };
    return refuse(n, `the undefined type ${value}`);
  }

  simpleType(n: XsdNode): SimpleTypeModel {
    only(n, ['name', 'final'], ['annotation', 'restriction', 'list', 'union']);
    const [r, ...rest] = body(n);
    if (!r || rest.length) refuse(n, 'a simpleType that is not one xsd:restriction');
    if (r.name !== 'restriction') refuse(r, `xsd:${r.name}`);
    only(r, ['base'], ['annotation', ...FACETS]);
    if (!r.attrs.base) refuse(r, 'a restriction without base (inline base type)');
    const base = this.typeRef(r, r.attrs.base);
    if (!('simple' in base)) refuse(r, `a simple type restricting the complex type ${r.attrs.base}`);
    const facets: Facets = { ...base.simple.facets, patterns: [...base.simple.facets.patterns] };
    const step: string[] = [];
    const enums: EnumValue[] = [];
    for (const f of body(r)) {
      only(f, ['value', 'fixed'], ['annotation']);
      const value = f.attrs.value ?? refuse(f, `xsd:${f.name} without value`);
      const int = () => (/^\d+$/.test(value) ? Number(value) : refuse(f, `xsd:${f.name} value="${value}"`));
      switch (f.name) {
        case 'pattern':
          try {
            parseXsdRegex(value);
          } catch (err) {
            if (err instanceof RegexError) refuse(f, err.message);
            throw err;
          }
          step.push(value);
          break;
        case 'enumeration':
          enums.push({ value, doc: docOf(f) });
          break;
        case 'whiteSpace':
          if (!['preserve', 'replace', 'collapse'].includes(value)) refuse(f, `whiteSpace="${value}"`);
          facets.whiteSpace = value as Facets['whiteSpace'];
          break;
        case 'length':
        case 'minLength':
        case 'maxLength':
        case 'totalDigits':
        case 'fractionDigits':
          facets[f.name] = int();
          break;
        default:
          facets[f.name as 'minInclusive' | 'maxInclusive' | 'minExclusive' | 'maxExclusive'] = value;
      }
    }
    if (step.length) facets.patterns.push(step);
    // A derived enumeration restricts its base's: the derived one is the value space.
    if (enums.length) facets.enumeration = enums;
    return { name: n.attrs.name, builtin: base.simple.builtin, doc: docOf(n), facets };
  }

  complexType(n: XsdNode): ComplexModel {
    only(n, ['name', 'mixed', 'abstract', 'final', 'block'], ['annotation', 'sequence', 'choice', 'group']);
    for (const a of ['mixed', 'abstract'] as const) if (n.attrs[a] !== undefined && n.attrs[a] !== 'false') refuse(n, `${a}="${n.attrs[a]}"`);
    if (n.attrs.final !== undefined || n.attrs.block !== undefined) refuse(n, 'final/block on a complexType');
    const parts = body(n);
    if (parts.length > 1) refuse(parts[1]!, `a second content model (xsd:${parts[1]!.name})`);
    return { name: n.attrs.name, doc: docOf(n), content: parts[0] && this.modelGroup(parts[0], '') };
  }

  /** xsd:sequence, xsd:choice, or xsd:group ref="..." (inlined with the ref's occurrences). */
  modelGroup(n: XsdNode, parentPath: string): GroupModel {
    if (n.name === 'group') {
      only(n, ['ref', 'minOccurs', 'maxOccurs'], ['annotation']);
      const ref = n.attrs.ref ?? refuse(n, 'a local xsd:group without ref');
      const q = resolveQName(n, ref);
      const g = q.ns === this.tns ? this.groups.get(q.local) : undefined;
      if (!g) refuse(n, `the undefined group ${ref}`);
      return this.guard(`group ${q.local}`, n, () => {
        only(g, ['name'], ['annotation', 'sequence', 'choice']);
        const [inner, ...more] = body(g);
        if (!inner || more.length) refuse(g, 'a group that is not one xsd:sequence or xsd:choice');
        if (inner.attrs.minOccurs !== undefined || inner.attrs.maxOccurs !== undefined) refuse(inner, 'occurrences on the model group of a named group');
        return { ...this.modelGroup(inner, parentPath), ...occurs(n) };
      });
    }
    if (n.name !== 'sequence' && n.name !== 'choice') refuse(n, `xsd:${n.name} as a content model`);
    only(n, ['minOccurs', 'maxOccurs'], ['annotation', 'element', 'sequence', 'choice', 'group']);
    const particles = body(n).map((p) => (p.name === 'element' ? this.element(p, parentPath) : this.modelGroup(p, parentPath)));
    return { kind: n.name, ...occurs(n), particles };
  }

  element(n: XsdNode, parentPath: string, label?: string, global = false): ElementModel {
    if (n.attrs.ref !== undefined) refuse(n, `an element reference (ref="${n.attrs.ref}")`);
    for (const a of ['default', 'fixed', 'nillable', 'abstract', 'substitutionGroup', 'form', 'block', 'final']) {
      if (n.attrs[a] !== undefined) refuse(n, `the attribute ${a}="${n.attrs[a]}" on an element`);
    }
    only(n, global ? ['name', 'type'] : ['name', 'type', 'minOccurs', 'maxOccurs'], ['annotation', 'simpleType', 'complexType']);
    const name = n.attrs.name ?? refuse(n, 'an element without name');
    const path = global ? '' : parentPath ? `${parentPath}/${name}` : name;
    const doc = docOf(n);
    const inline = body(n);
    if (inline.length > 1 || (inline.length && n.attrs.type)) refuse(n, 'an element with both a type attribute and an inline type');
    let typed: { simple: SimpleTypeModel } | { complex: ComplexModel };
    if (n.attrs.type) typed = this.typeRef(n, n.attrs.type);
    else if (inline[0]?.name === 'simpleType') typed = { simple: this.simpleType(inline[0]) };
    else if (inline[0]?.name === 'complexType') typed = { complex: this.complexType(inline[0]) };
    else return refuse(n, 'an element without type (xsd:anyType)');
    const el: ElementModel = {
      kind: 'element',
      name,
      path,
      label: label ?? firstSentence(doc) ?? name,
      doc,
      ...(global ? { minOccurs: 1, maxOccurs: 1 } : occurs(n)),
      ...typed,
    };
    // Paths are relative to the element: complex content built above used '' as its parent path.
    if (el.complex?.content) el.complex = { ...el.complex, content: rebase(el.complex.content, path) };
    return el;
  }
}

/** Prefixes the paths of a type's content with the path of the element using it. */
function rebase(g: GroupModel, path: string): GroupModel {
  return {
    ...g,
    particles: g.particles.map((p) => {
      if (p.kind !== 'element') return rebase(p, path);
      const e: ElementModel = { ...p, path: path ? `${path}/${p.path}` : p.path };
      if (e.complex?.content) e.complex = { ...e.complex, content: rebase(e.complex.content, path) };
      return e;
    }),
  };
}

/** The model of one catalogue form, from its XSD and its nomenclature entry (labels of top-level fields). */
export function formModel(version: string, form: Pick<FormSpec, 'code' | 'offers' | 'element' | 'namespace' | 'file' | 'fields'>): FormModel {
  const schema = readXsd(form.file);
  const index = new SchemaIndex(schema);
  if (index.tns !== form.namespace) refuse(schema, `targetNamespace ${index.tns} (the nomenclature says ${form.namespace})`);
  const decl = index.elements.get(form.element);
  if (!decl) throw new MockupError(`${form.file}: no global element ${form.element}`);
  const root = index.element(decl, '', undefined, true);
  const labels = new Map(form.fields.map((f) => [f.name, f.label]));
  // Top-level fields carry the nomenclature's label (the one operators know).
  if (root.complex?.content) {
    root.complex.content.particles = root.complex.content.particles.map((p) =>
      p.kind === 'element' && labels.has(p.name) ? { ...p, label: labels.get(p.name)! } : p,
    );
  }
  return {
    version,
    code: form.code,
    offers: form.offers,
    element: form.element,
    namespace: form.namespace,
    file: basename(form.file),
    title: docOf(schema) ?? root.doc ?? form.code,
    root,
  };
}

/** Every element of the model below the root, depth first in schema order. */
export function elementsOf(e: ElementModel): ElementModel[] {
  const out: ElementModel[] = [];
  const walk = (g: GroupModel) => {
    for (const p of g.particles) {
      if (p.kind === 'element') {
        out.push(p);
        if (p.complex?.content) walk(p.complex.content);
      } else walk(p);
    }
  };
  if (e.complex?.content) walk(e.complex.content);
  return out;
}
