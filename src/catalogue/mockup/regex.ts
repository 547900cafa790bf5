// XSD regular expressions (XML Schema Part 2, appendix F), the subset the catalogues use: parsed
// once, then (1) written as an HTML `pattern` (JavaScript, `v` flag, as browsers compile it) and
// (2) walked to generate a deterministic sample string. Anything outside the subset is refused,
// so a new catalogue's pattern is never half-understood.

export class RegexError extends Error {}

type Item = { kind: 'char'; c: string } | { kind: 'range'; from: string; to: string } | { kind: 'escape'; e: ClassEscape };
type ClassEscape = 's' | 'S' | 'd' | 'D' | 'w' | 'W';
type Atom =
  | { kind: 'char'; c: string }
  | { kind: 'any' }
  | { kind: 'class'; negated: boolean; items: Item[] }
  | { kind: 'escape'; e: ClassEscape }
  | { kind: 'group'; alt: Alt };
interface Piece {
  atom: Atom;
  min: number;
  max: number;
}
type Branch = Piece[];
export type Alt = Branch[];

const SINGLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t' };
const META = new Set(['\\', '|', '.', '-', '^', '?', '*', '+', '{', '}', '(', ')', '[', ']']);

export function parseXsdRegex(src: string): Alt {
  let i = 0;
  const fail = (what: string): never => {
    throw new RegexError(`pattern "${src}": ${what} at position ${i}`);
  };
  const peek = () => src[i];

  function escape(inClass: boolean): { c: string } | { e: ClassEscape } {
    i++; // backslash
    const c = src[i++];
    if (c === undefined) return fail('a trailing backslash');
    if (c in SINGLE_ESCAPES) return { c: SINGLE_ESCAPES[c]! };
    if ('sSdDwW'.includes(c)) return { e: c as ClassEscape };
    if (META.has(c)) return { c };
    if (c === 'p' || c === 'P') return fail('a Unicode property (\\p, \\P)');
    if (c === 'i' || c === 'c' || c === 'I' || c === 'C') return fail(`the XML name escape \\${c}`);
    return fail(`the escape \\${c}${inClass ? ' in a class' : ''}`);
  }

  function classChar(): { c: string } | { e: ClassEscape } {
    const c = peek();
    if (c === '\\') return escape(true);
    if (c === '[') return fail('a nested class or class subtraction');
    i++;
    return { c: c! };
  }

  function charClass(): Atom {
    i++; // [
    let negated = false;
    if (peek() === '^') {
      negated = true;
      i++;
    }
    const items: Item[] = [];
    let first = true;
    while (peek() !== ']' || first) {
      if (peek() === undefined) fail('an unterminated class');
      if (peek() === '-' && src[i + 1] === '[') fail('a class subtraction');
      first = false;
      const a = classChar();
      if ('e' in a) {
        items.push({ kind: 'escape', e: a.e });
        continue;
      }
      if (peek() === '-' && src[i + 1] !== ']' && src[i + 1] !== '[') {
        i++;
        const b = classChar();
        if ('e' in b) return fail('a range ending in a class escape');
        if (b.c < a.c) fail(`the reversed range ${a.c}-${b.c}`);
        items.push({ kind: 'range', from: a.c, to: b.c });
      } else items.push({ kind: 'char', c: a.c });
    }
    i++; // ]
    if (!items.length) fail('an empty class');
    return { kind: 'class', negated, items };
  }

  function atom(): Atom {
    const c = peek()!;
    if (c === '(') {
      i++;
      const inner = alt();
      if (peek() !== ')') fail('an unclosed group');
      i++;
      return { kind: 'group', alt: inner };
    }
    if (c === '[') return charClass();
    if (c === '.') {
      i++;
      return { kind: 'any' };
    }
    if (c === '\\') {
      const e = escape(false);
      return 'e' in e ? { kind: 'escape', e: e.e } : { kind: 'char', c: e.c };
    }
    if ('?*+{'.includes(c)) fail(`a quantifier "${c}" with nothing to repeat`);
    if (c === ']' || c === '}') fail(`an unescaped "${c}"`);
    i++;
    return { kind: 'char', c };
  }

  function quantifier(): [number, number] {
    const c = peek();
    if (c === '?') return (i++, [0, 1]);
    if (c === '*') return (i++, [0, Infinity]);
    if (c === '+') return (i++, [1, Infinity]);
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (!m) return fail('a malformed {n,m} quantifier');
      i += m[0].length;
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) fail(`the quantifier ${m[0]} (max below min)`);
      return [min, max];
    }
    return [1, 1];
  }

  function branch(): Branch {
    const pieces: Piece[] = [];
    while (i < src.length && peek() !== '|' && peek() !== ')') {
      const a = atom();
      const [min, max] = quantifier();
      const next = peek();
      if (next !== undefined && '?*+{'.includes(next)) fail('a repeated quantifier');
      pieces.push({ atom: a, min, max });
    }
    return pieces;
  }

  function alt(): Alt {
    const branches = [branch()];
    while (peek() === '|') {
      i++;
      branches.push(branch());
    }
    return branches;
  }

  const out = alt();
  if (i < src.length) fail(`an unmatched "${peek()}"`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// To JavaScript (what an HTML pattern attribute holds; browsers compile it as ^(?:...)$ with v)

// In a v-mode class these must be escaped (syntax characters and reserved punctuators).
const CLASS_ESCAPE = new Set([...'()[]{}/-\\|^$.*+?&!#%,:;<=>@`~']);
const TOP_ESCAPE = new Set([...'^$\\.*+?()[]{}|/']);
// XSD \d is any Unicode decimal digit; \w is everything but punctuation, separators and "other".
const JS_ESCAPES: Record<ClassEscape, { inClass: string; alone: string }> = {
  s: { inClass: ' \\t\\n\\r', alone: '[ \\t\\n\\r]' },
  S: { inClass: '', alone: '[^ \\t\\n\\r]' },
  d: { inClass: '\\p{Nd}', alone: '\\p{Nd}' },
  D: { inClass: '', alone: '\\P{Nd}' },
  w: { inClass: '', alone: '[^\\p{P}\\p{Z}\\p{C}]' },
  W: { inClass: '\\p{P}\\p{Z}\\p{C}', alone: '[\\p{P}\\p{Z}\\p{C}]' },
};

function jsChar(c: string, inClass: boolean): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return (inClass ? CLASS_ESCAPE : TOP_ESCAPE).has(c) ? `\\${c}` : c;
}

function jsClass(a: Extract<Atom, { kind: 'class' }>): string {
  let body = '';
  for (const it of a.items) {
    if (it.kind === 'char') body += jsChar(it.c, true);
    else if (it.kind === 'range') body += `${jsChar(it.from, true)}-${jsChar(it.to, true)}`;
    else {
      const e = JS_ESCAPES[it.e].inClass;
      // \S, \D, \w inside a class have no plain v-mode spelling here: refuse rather than widen.
      if (!e) throw new RegexError(`the class escape \\${it.e} inside a class`);
      body += e;
    }
  }
  return `[${a.negated ? '^' : ''}${body}]`;
}

function jsAtom(a: Atom): string {
  switch (a.kind) {
    case 'char':
      return jsChar(a.c, false);
    case 'any':
      return '[^\\n\\r]';
    case 'escape':
      return JS_ESCAPES[a.e].alone;
    case 'class':
      return jsClass(a);
    case 'group':
      return `(?:${jsAlt(a.alt)})`;
  }
}

function jsQuantifier(min: number, max: number): string {
  if (min === 1 && max === 1) return '';
  if (min === 0 && max === 1) return '?';
  if (min === 0 && max === Infinity) return '*';
  if (min === 1 && max === Infinity) return '+';
  if (max === Infinity) return `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

function jsAlt(alt: Alt): string {
  return alt.map((b) => b.map((p) => jsAtom(p.atom) + jsQuantifier(p.min, p.max)).join('')).join('|');
}

/** The pattern as JavaScript source (no anchors: XSD patterns match the whole value). */
export function toJsPattern(alt: Alt): string {
  return jsAlt(alt);
}

/** A JavaScript RegExp matching exactly what the XSD pattern matches (whole value). */
export function toRegExp(alt: Alt): RegExp {
  return new RegExp(`^(?:${jsAlt(alt)})$`, 'v');
}

// ---------------------------------------------------------------------------------------------
// Sample generation: first branch, fewest repetitions, the most readable allowed character.

const PREFERRED = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.'];

function inEscape(e: ClassEscape, c: string): boolean {
  switch (e) {
    case 's':
      return /[ \t\n\r]/.test(c);
    case 'S':
      return !/[ \t\n\r]/.test(c);
    case 'd':
      return /\p{Nd}/u.test(c);
    case 'D':
      return !/\p{Nd}/u.test(c);
    case 'w':
      return !/[\p{P}\p{Z}\p{C}]/u.test(c);
    case 'W':
      return /[\p{P}\p{Z}\p{C}]/u.test(c);
  }
}

function classMatches(a: Extract<Atom, { kind: 'class' }>, c: string): boolean {
  const hit = a.items.some((it) => (it.kind === 'char' ? it.c === c : it.kind === 'range' ? c >= it.from && c <= it.to : inEscape(it.e, c)));
  return a.negated ? !hit : hit;
}

function pickChar(a: Atom): string {
  const candidates = a.kind === 'class' ? [...PREFERRED, ...a.items.flatMap((it) => (it.kind === 'char' ? [it.c] : it.kind === 'range' ? [it.from] : []))] : PREFERRED;
  const ok = candidates.find((c) => (a.kind === 'class' ? classMatches(a, c) : a.kind === 'escape' ? inEscape(a.e, c) : c !== '\n' && c !== '\r'));
  if (ok === undefined) throw new RegexError('no character satisfies a class of the pattern');
  return ok;
}

function genAtom(a: Atom): string {
  if (a.kind === 'char') return a.c;
  if (a.kind === 'group') return genAlt(a.alt);
  return pickChar(a);
}

function genAlt(alt: Alt): string {
  return alt[0]!.map((p) => genAtom(p.atom).repeat(p.min)).join('');
}

/** A deterministic string the pattern matches (its first alternative, minimal repetitions). */
export function samplePattern(alt: Alt): string {
  return genAlt(alt);
}
