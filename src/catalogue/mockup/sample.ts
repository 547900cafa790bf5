// A valid sample of each form, made from its model: every field once (optional ones included, a
// repeated one as often as its minimum, at least once; a choice's first option). A value is the
// documentation's "Exemple : ..." when it satisfies the type, else the first allowed value, else
// generated from the type (pattern, lengths, bounds). Deterministic: same XSD, same sample.
import { BUILTINS, elementsOf, MockupError, type ElementModel, type FormModel, type GroupModel, type SimpleTypeModel } from './model.js';
import { parseXsdRegex, samplePattern, toRegExp } from './regex.js';

export interface Sample {
  xml: string;
  /** Path -> the value of its first occurrence (placeholders of the mock-up's inputs). */
  values: Map<string, string>;
}

const regexCache = new Map<string, RegExp>();
const regexOf = (src: string) => {
  let r = regexCache.get(src);
  if (!r) regexCache.set(src, (r = toRegExp(parseXsdRegex(src))));
  return r;
};

/** The JavaScript form of a pattern, as an HTML pattern attribute uses it. */
export function patternMatches(src: string, v: string): boolean {
  return regexOf(src).test(v);
}

const TZ = '(Z|[+-]\\d{2}:\\d{2})?';
const LEXICAL: Record<string, RegExp> = {
  boolean: /^(true|false|1|0)$/,
  integer: /^[+-]?\d+$/,
  decimal: /^[+-]?(\d+(\.\d*)?|\.\d+)$/,
  date: new RegExp(`^\\d{4}-\\d{2}-\\d{2}${TZ}$`),
  dateTime: new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?${TZ}$`),
  time: new RegExp(`^\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?${TZ}$`),
  gYear: new RegExp(`^-?\\d{4,}${TZ}$`),
};

/** Comparable form of a value of an ordered type (BigInt for integers: long bounds exceed doubles). */
function ordinal(family: string, v: string): bigint | number {
  if (family === 'integer') return BigInt(v.replace(/^\+/, ''));
  if (family === 'decimal') return Number(v);
  if (family === 'time') return Date.parse(`1970-01-01T${v}${/(Z|[+-]\d{2}:\d{2})$/.test(v) ? '' : 'Z'}`);
  if (family === 'gYear') return Number(v.slice(0, 4));
  const iso = family === 'date' ? `${v.slice(0, 10)}T00:00:00${v.slice(10)}` : v;
  return Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : `${iso}Z`);
}

/** Why v is not a valid value of the type, or undefined if it is (the checks the XSD makes). */
export function violation(t: SimpleTypeModel, v: string): string | undefined {
  const { family, ...bounds } = BUILTINS[t.builtin] as { family: string; min?: string; max?: string };
  const f = t.facets;
  if (family === 'string') {
    if (t.builtin === 'anyURI' && /\s/.test(v)) return 'an anyURI has no spaces';
    if ((t.builtin === 'token' || f.whiteSpace === 'collapse') && (v !== v.trim() || /\s{2}|[\t\n\r]/.test(v))) return 'collapsed whitespace expected';
  } else {
    const lex = LEXICAL[family]!;
    if (!lex.test(v) || (family !== 'boolean' && family !== 'integer' && family !== 'decimal' && Number.isNaN(ordinal(family, v)))) return `not a valid xsd:${t.builtin}`;
  }
  if (f.enumeration && !f.enumeration.some((e) => e.value === v)) return `not one of ${f.enumeration.map((e) => e.value).join(', ')}`;
  const len = [...v].length;
  if (family === 'string') {
    if (f.length !== undefined && len !== f.length) return `length ${f.length} expected`;
    if (f.minLength !== undefined && len < f.minLength) return `at least ${f.minLength} characters expected`;
    if (f.maxLength !== undefined && len > f.maxLength) return `at most ${f.maxLength} characters expected`;
  }
  for (const step of f.patterns) if (!step.some((p) => patternMatches(p, v))) return `does not match ${step.join(' | ')}`;
  if (family !== 'string' && family !== 'boolean') {
    const x = ordinal(family, v);
    const lo = f.minInclusive ?? bounds.min;
    if (lo !== undefined && x < ordinal(family, lo)) return `below ${lo}`;
    if (f.maxInclusive !== undefined && x > ordinal(family, f.maxInclusive)) return `above ${f.maxInclusive}`;
    if (bounds.max !== undefined && x > ordinal(family, bounds.max)) return `above ${bounds.max}`;
    if (f.minExclusive !== undefined && x <= ordinal(family, f.minExclusive)) return `not above ${f.minExclusive}`;
    if (f.maxExclusive !== undefined && x >= ordinal(family, f.maxExclusive)) return `not below ${f.maxExclusive}`;
  }
  if (family === 'integer' || family === 'decimal') {
    const [int = '', frac = ''] = v.replace(/^[+-]/, '').split('.');
    const digits = (int.replace(/^0+/, '') + frac.replace(/0+$/, '')).length;
    if (f.totalDigits !== undefined && digits > f.totalDigits) return `more than ${f.totalDigits} digits`;
    if (f.fractionDigits !== undefined && frac.replace(/0+$/, '').length > f.fractionDigits) return `more than ${f.fractionDigits} fraction digits`;
  }
  return undefined;
}

/** Values given after "Exemple :" / "Exemples :" in a documentation, each alone first, then as written. */
export function examplesIn(doc: string | undefined): string[] {
  const m = doc && /Exemples?\s*:\s*(.+)$/s.exec(doc);
  if (!m) return [];
  const text = m[1]!.trim().replace(/\.$/, '').trim();
  const parts = text.split(/,\s+/).map((s) => s.trim()).filter(Boolean);
  return [...new Set([...parts, text])];
}

/** Generated candidates for a type with no usable example. `n` orders dates and times in the form. */
function generated(t: SimpleTypeModel, name: string, n: number): string[] {
  const { family, ...bounds } = BUILTINS[t.builtin] as { family: string; min?: string; max?: string };
  const f = t.facets;
  const pad = (x: number) => String(x).padStart(2, '0');
  switch (family) {
    case 'boolean':
      return ['true', 'false'];
    case 'integer': {
      const out = ['1', '0', '-1'];
      const lo = f.minInclusive ?? (f.minExclusive !== undefined ? String(BigInt(f.minExclusive) + 1n) : bounds.min);
      const hi = f.maxInclusive ?? (f.maxExclusive !== undefined ? String(BigInt(f.maxExclusive) - 1n) : bounds.max);
      return [...out, ...(lo !== undefined ? [lo] : []), ...(hi !== undefined ? [hi] : [])];
    }
    case 'decimal': {
      const out = ['1', '0', '1.5'];
      if (f.minInclusive !== undefined) out.push(f.minInclusive);
      if (f.minExclusive !== undefined) out.push(String(Number(f.minExclusive) + 1), String(Number(f.minExclusive) + 0.5));
      if (f.maxInclusive !== undefined) out.push(f.maxInclusive);
      if (f.maxExclusive !== undefined) out.push(String(Number(f.maxExclusive) - 1), String(Number(f.maxExclusive) - 0.5));
      return out;
    }
    case 'date':
      return [`2026-01-${pad(5 + (n % 20))}`, `2026-01-${pad(5 + (n % 20))}+01:00`];
    case 'dateTime': {
      const at = `2026-01-${pad(5 + Math.floor(n / 8))}T${pad(9 + (n % 8))}:00:00`;
      return [`${at}+01:00`, `${at}Z`, at];
    }
    case 'time':
      return [`${pad(9 + (n % 8))}:00:00`, `${pad(9 + (n % 8))}:00:00+01:00`];
    case 'gYear':
      return ['2026'];
  }
  // Strings: from the patterns of the most derived step, else a text sized to the lengths.
  const out: string[] = [];
  for (const p of f.patterns.at(-1) ?? []) out.push(samplePattern(parseXsdRegex(p)));
  if (t.builtin === 'anyURI') out.push(`urn:exemple:${name}`);
  const min = f.length ?? f.minLength ?? 0;
  const max = f.length ?? f.maxLength ?? Infinity;
  let text = `Exemple ${name}`;
  if (text.length > max) text = name.slice(0, max);
  text = text.padEnd(min, 'x');
  out.push(text);
  return out;
}

class SampleWriter {
  private readonly lines: string[] = [];
  readonly values = new Map<string, string>();
  /** Dates and times generated so far: later fields get later instants (ranges stay ordered). */
  private instants = 0;

  constructor(private readonly form: FormModel) {}

  value(e: ElementModel, t: SimpleTypeModel): string {
    const fromDocs = [...examplesIn(e.doc), ...examplesIn(t.doc)];
    const listed = t.facets.enumeration?.map((x) => x.value) ?? [];
    const family = BUILTINS[t.builtin].family;
    const n = ['date', 'dateTime', 'time'].includes(family) ? this.instants++ : 0;
    const tried = [...fromDocs, ...listed, ...generated(t, e.name, n)];
    const v = tried.find((c) => violation(t, c) === undefined);
    if (v === undefined) {
      throw new MockupError(
        `catalogue ${this.form.version}, form ${this.form.code}: no valid sample value for ${e.path || e.name} (${t.name ?? `xsd:${t.builtin}`}): ` +
          `add "Exemple : <value>" to its xsd:documentation (tried: ${tried.map((c) => `"${c}" (${violation(t, c)})`).join(', ')})`,
      );
    }
    return v;
  }

  element(e: ElementModel, depth: number, root = false): void {
    const indent = '  '.repeat(depth);
    const tag = `f:${e.name}`;
    const open = root ? `${tag} xmlns:f="${escapeXml(this.form.namespace)}"` : tag;
    for (let i = 0; i < Math.max(e.minOccurs, 1); i++) {
      if (e.simple) {
        const v = this.value(e, e.simple);
        if (!this.values.has(e.path)) this.values.set(e.path, v);
        this.lines.push(`${indent}<${open}>${escapeXml(v)}</${tag}>`);
      } else if (e.complex?.content) {
        this.lines.push(`${indent}<${open}>`);
        this.group(e.complex.content, depth + 1);
        this.lines.push(`${indent}</${tag}>`);
      } else this.lines.push(`${indent}<${open}/>`);
    }
  }

  group(g: GroupModel, depth: number): void {
    for (let i = 0; i < Math.max(g.minOccurs, 1); i++) {
      const chosen = g.kind === 'choice' ? g.particles.slice(0, 1) : g.particles;
      for (const p of chosen) {
        if (p.kind === 'element') this.element(p, depth);
        else this.group(p, depth);
      }
    }
  }

  text(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.lines.join('\n')}\n`;
  }
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The sample document of a form (XML declaration, the form's root element, prefix f). */
export function sampleForm(form: FormModel): Sample {
  const w = new SampleWriter(form);
  w.element(form.root, 0, true);
  // Fields the sample leaves out (other options of a choice) still get a value to show.
  for (const e of elementsOf(form.root)) if (e.simple && !w.values.has(e.path)) w.values.set(e.path, w.value(e, e.simple));
  return { xml: w.text(), values: w.values };
}
