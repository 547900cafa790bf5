// The mock-up pages: static HTML with inline CSS, no script and no external resource (the CSP
// meta forbids any), every text escaped. Links are relative, so the same pages work from the admin
// listener (/catalogue/...) and from files written by `esav catalogue render`.
import { BUILTINS, type ElementModel, type FormModel, type GroupModel, type SimpleTypeModel } from './model.js';
import { parseXsdRegex, toJsPattern } from './regex.js';
import type { Sample } from './sample.js';

/** Where a catalogue version's dates come from: the lifecycle table, else its nomenclature. */
export interface CatalogueDates {
  status: 'live' | 'retired';
  productionDate: string;
  sunsetDate: string | null;
  source: 'lifecycle' | 'nomenclature';
  /** Lifecycle only: the sunset has come (at the gateway's clock). */
  ended?: boolean;
  /** Lifecycle only: the production date is still ahead. */
  upcoming?: boolean;
}

export const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
nav{font-size:.9rem;margin-bottom:1rem}
h1 small{font-weight:400;color:#555;font-size:.6em}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.88rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
form.mockup{background:#fafbfc;border:1px solid #d8dde3;border-radius:6px;padding:1rem 1.5rem}
fieldset{border:1px solid #c4c9d0;border-radius:4px;margin:.7rem 0;padding:.4rem 1rem .6rem}
fieldset.choice{border-style:dashed}
legend{font-weight:600;padding:0 .3rem}
.field{margin:.55rem 0}
.field>label{display:block;font-weight:500}
input[type=text],input[type=number],input[type=date],select,textarea{min-width:22rem;max-width:100%;padding:.25rem;font:inherit}
textarea{min-height:4rem}
.req{color:#b00020;font-weight:700}
.hint{display:block;color:#555;font-size:.83rem}
.note{color:#555;font-weight:400;font-size:.83rem}
.radio{margin-right:1.2rem;font-weight:400}
ul.values{margin:.2rem 0;padding-left:1.1rem}
pre{background:#f6f8fa;border:1px solid #d8dde3;padding:1rem;overflow:auto}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,monospace;font-size:.92em}
.depth1{padding-left:1.2rem}.depth2{padding-left:2.4rem}.depth3{padding-left:3.6rem}.depth4{padding-left:4.8rem}
footer{margin-top:2rem;color:#666;font-size:.8rem}
`;

function page(title: string, nav: string, main: string): string {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<nav>${nav}</nav>
<main>
${main}
</main>
<footer>Maquettes générées à partir des schémas XSD du catalogue de formulaires e-SAV (nomenclature et un XSD par formulaire). Le schéma fait foi.</footer>
</body>
</html>
`;
}

const occursText = (min: number, max: number) => (min === max ? String(min) : `${min}..${max === Infinity ? 'n' : max}`);

function statusText(d: CatalogueDates): string {
  if (d.source === 'nomenclature') return `non publié dans le cycle de vie (nomenclature : ${d.status === 'live' ? 'en production' : 'retiré'})`;
  if (d.status === 'retired') return 'retiré';
  if (d.ended) return `fin de vie atteinte le ${d.sunsetDate}`;
  if (d.upcoming) return `publié, en production le ${d.productionDate}`;
  return d.sunsetDate ? `en production jusqu'au ${d.sunsetDate} (exclu)` : 'en production';
}

const sourceText = (d: CatalogueDates) => (d.source === 'lifecycle' ? 'cycle de vie des versions (esav catalogue list)' : 'nomenclature.xml (version non publiée)');

// ---------------------------------------------------------------------------------------------
// Index pages

export interface VersionEntry {
  version: string;
  dates?: CatalogueDates;
  /** Set when the version's schemas could not be rendered. */
  error?: string;
}

export function versionsPage(entries: VersionEntry[]): string {
  const rows = entries
    .map((e) =>
      e.error
        ? `<tr><td><code>${esc(e.version)}</code></td><td colspan="4" class="error">non rendu : ${esc(e.error)}</td></tr>`
        : `<tr><td><a href="${esc(e.version)}/index.html">${esc(e.version)}</a></td><td>${esc(statusText(e.dates!))}</td>` +
          `<td>${esc(e.dates!.productionDate)}</td><td>${esc(e.dates!.sunsetDate ?? '—')}</td><td>${esc(sourceText(e.dates!))}</td></tr>`,
    )
    .join('\n');
  return page(
    'Catalogues de formulaires e-SAV — maquettes',
    'Catalogues',
    `<h1>Catalogues de formulaires e-SAV</h1>
<p>Maquettes des formulaires de chaque version du catalogue : champs, caractère obligatoire, types, motifs et valeurs admises, et un exemple XML valide par formulaire.</p>
<table id="versions">
<thead><tr><th>Version</th><th>Statut</th><th>Mise en production</th><th>Fin de vie</th><th>Source des dates</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  );
}

export function versionPage(version: string, dates: CatalogueDates, forms: FormModel[]): string {
  const rows = forms
    .map((f) => {
      const top = f.root.complex?.content?.particles.filter((p): p is ElementModel => p.kind === 'element') ?? [];
      const fields = top
        .map((e) => `<li><code>${esc(e.name)}</code> ${esc(e.label)}${e.minOccurs >= 1 ? ' <span class="req" title="obligatoire">*</span>' : ' <span class="note">(facultatif)</span>'}</li>`)
        .join('');
      return `<tr data-form="${esc(f.code)}"><td><a href="${esc(f.code)}.html">${esc(f.code)}</a><span class="hint">${esc(f.title)}</span></td>` +
        `<td>${f.offers.map((o) => `<code>${esc(o)}</code>`).join(', ')}</td><td><code>${esc(f.element)}</code></td>` +
        `<td><code>${esc(f.namespace)}</code></td><td><code>${esc(f.file)}</code></td><td><ul class="values">${fields}</ul></td></tr>`;
    })
    .join('\n');
  return page(
    `Catalogue ${version} — nomenclature — maquettes e-SAV`,
    `<a href="../index.html">Catalogues</a> › ${esc(version)}`,
    `<h1>Catalogue ${esc(version)} <small>nomenclature</small></h1>
<dl class="meta" id="dates">
<dt>Statut</dt><dd>${esc(statusText(dates))}</dd>
<dt>Mise en production</dt><dd>${esc(dates.productionDate)}</dd>
<dt>Fin de vie</dt><dd>${esc(dates.sunsetDate ?? 'non annoncée')}</dd>
<dt>Source des dates</dt><dd>${esc(sourceText(dates))}</dd>
</dl>
<p>Un formulaire par offre. Dans une signalisation : <code>&lt;formulaire catalogue="${esc(version)}" code="…"&gt;</code> contenant l'élément racine du formulaire dans son espace de noms.</p>
<table id="nomenclature">
<thead><tr><th>Formulaire</th><th>Offres</th><th>Élément racine</th><th>Espace de noms</th><th>Schéma</th><th>Champs de premier niveau (<span class="req">*</span> obligatoire)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  );
}

// ---------------------------------------------------------------------------------------------
// Form page

/** Why a field must be given: always, only when its optional parent is, or when its option is chosen. */
interface Need {
  /** Every ancestor is mandatory too: the HTML input carries `required`. */
  always: boolean;
  /** Otherwise, the condition under which it is mandatory. */
  when?: string;
}

function needOf(e: ElementModel, parent: Need): Need | undefined {
  if (e.minOccurs < 1) return undefined;
  return parent;
}

/** An HTML pattern (JavaScript, v flag) equivalent to the type's XSD patterns. */
export function htmlPattern(t: SimpleTypeModel): string | undefined {
  const steps = t.facets.patterns.map((step) => (step.length === 1 ? toJsPattern(parseXsdRegex(step[0]!)) : step.map((p) => `(?:${toJsPattern(parseXsdRegex(p))})`).join('|')));
  if (!steps.length) return undefined;
  if (steps.length === 1) return steps[0];
  // AND of the derivation steps: lookaheads for all but the last (the browser anchors the whole).
  return steps.slice(0, -1).map((s) => `(?=(?:${s})$)`).join('') + `(?:${steps.at(-1)})`;
}

function constraints(t: SimpleTypeModel): string {
  const f = t.facets;
  const out: string[] = [];
  for (const step of f.patterns) out.push(`motif ${step.map((p) => `<code class="pattern">${esc(p)}</code>`).join(' ou ')}`);
  if (f.enumeration) {
    out.push(`valeurs admises :<ul class="values">${f.enumeration.map((v) => `<li><code>${esc(v.value)}</code>${v.doc ? ` — ${esc(v.doc)}` : ''}</li>`).join('')}</ul>`);
  }
  if (f.length !== undefined) out.push(`longueur ${f.length}`);
  else if (f.minLength !== undefined && f.maxLength !== undefined) out.push(`longueur ${f.minLength} à ${f.maxLength}`);
  else if (f.minLength !== undefined) out.push(`longueur ${f.minLength} au moins`);
  else if (f.maxLength !== undefined) out.push(`longueur ${f.maxLength} au plus`);
  if (f.minInclusive !== undefined) out.push(`≥ ${esc(f.minInclusive)}`);
  if (f.minExclusive !== undefined) out.push(`&gt; ${esc(f.minExclusive)}`);
  if (f.maxInclusive !== undefined) out.push(`≤ ${esc(f.maxInclusive)}`);
  if (f.maxExclusive !== undefined) out.push(`&lt; ${esc(f.maxExclusive)}`);
  if (f.totalDigits !== undefined) out.push(`${f.totalDigits} chiffres au plus`);
  if (f.fractionDigits !== undefined) out.push(`${f.fractionDigits} décimales au plus`);
  return out.join('<br>');
}

function typeText(e: ElementModel): string {
  if (e.simple) return `${e.simple.name ? esc(e.simple.name) : 'anonyme'} <span class="note">(xsd:${esc(e.simple.builtin)})</span>`;
  return `${e.complex?.name ? esc(e.complex.name) : 'anonyme'} <span class="note">(structure)</span>`;
}

class FormRenderer {
  private readonly ids = new Set<string>();
  private readonly form: string[] = [];
  private readonly rows: string[] = [];

  constructor(private readonly sample: Sample) {}

  private id(path: string): string {
    const base = `f-${path.replace(/\//g, '-')}`;
    let id = base;
    for (let i = 2; this.ids.has(id); i++) id = `${base}-${i}`;
    this.ids.add(id);
    return id;
  }

  private mark(e: ElementModel, need: Need | undefined): string {
    const n = e.maxOccurs > 1 ? ` <span class="note">(${e.minOccurs} à ${e.maxOccurs === Infinity ? 'n' : e.maxOccurs} fois)</span>` : '';
    if (!need) return `${n} <span class="note">(facultatif)</span>`;
    return need.always ? ` <span class="req" title="obligatoire">*</span>${n}` : ` <span class="req" title="obligatoire ${esc(need.when ?? '')}">*</span>${n} <span class="note">(obligatoire ${esc(need.when ?? '')})</span>`;
  }

  private row(e: ElementModel, need: Need | undefined, depth: number): void {
    const required = need ? (need.always ? 'oui' : `oui, ${need.when}`) : 'non';
    this.rows.push(
      `<tr data-path="${esc(e.path)}" data-required="${need?.always ? 'true' : 'false'}"><td class="depth${Math.min(depth, 4)}"><code>${esc(e.name)}</code></td><td>${esc(e.label)}</td>` +
        `<td>${esc(required)}</td><td>${occursText(e.minOccurs, e.maxOccurs)}</td><td>${typeText(e)}</td>` +
        `<td>${e.simple ? constraints(e.simple) : ''}</td><td>${esc(e.doc ?? '')}${e.simple?.doc ? `<span class="hint">Type : ${esc(e.simple.doc)}</span>` : ''}</td></tr>`,
    );
  }

  private leaf(e: ElementModel, t: SimpleTypeModel, need: Need | undefined): void {
    const id = this.id(e.path);
    const name = esc(e.path);
    const req = need?.always ? ' required' : '';
    const label = `${esc(e.label)} <code class="note">${esc(e.name)}</code>${this.mark(e, need)}`;
    const hint = [e.doc, e.simple?.doc && e.simple.doc !== e.doc ? e.simple.doc : undefined].filter(Boolean).map((d) => `<span class="hint">${esc(d!)}</span>`).join('');
    const f = t.facets;
    const family = BUILTINS[t.builtin].family;
    const sample = this.sample.values.get(e.path);
    const placeholder = sample !== undefined ? ` placeholder="${esc(sample)}"` : '';
    const data = ` data-path="${name}" data-type="${esc(t.name ?? `xsd:${t.builtin}`)}"`;
    if (f.enumeration) {
      const options = f.enumeration.map((v) => `<option value="${esc(v.value)}"${v.doc ? ` title="${esc(v.doc)}"` : ''}>${esc(v.value)}${v.doc ? ` — ${esc(v.doc)}` : ''}</option>`).join('');
      this.form.push(`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}"${req}${data}><option value="">— choisir —</option>${options}</select>${hint}</div>`);
      return;
    }
    if (family === 'boolean') {
      // Two radios, not a checkbox: an unticked checkbox cannot say "not answered", a radio pair can.
      const radio = (v: string, text: string) => `<label class="radio"><input type="radio" id="${id}-${v}" name="${name}" value="${v}"${req}${data}> ${text} <code class="note">${v}</code></label>`;
      this.form.push(`<fieldset class="field bool" id="${id}"><legend>${label}</legend>${radio('true', 'oui')}${radio('false', 'non')}${hint}</fieldset>`);
      return;
    }
    const attrs: string[] = [];
    const pattern = htmlPattern(t);
    if (pattern !== undefined) attrs.push(`pattern="${esc(pattern)}"`);
    if (family === 'string') {
      const min = f.length ?? f.minLength;
      const max = f.length ?? f.maxLength;
      if (min !== undefined) attrs.push(`minlength="${min}"`);
      if (max !== undefined) attrs.push(`maxlength="${max}"`);
      if (pattern === undefined && (max ?? Infinity) > 200 && (t.builtin === 'string' || t.builtin === 'normalizedString')) {
        this.form.push(`<div class="field"><label for="${id}">${label}</label><textarea id="${id}" name="${name}"${req}${data} ${attrs.join(' ')}${placeholder}></textarea>${hint}</div>`);
        return;
      }
    }
    let type = 'text';
    if (family === 'date' && !pattern) type = 'date';
    if (family === 'integer' || family === 'decimal') {
      type = 'number';
      const b = BUILTINS[t.builtin] as { min?: string; max?: string };
      const int = family === 'integer';
      const lo = f.minInclusive ?? (int && f.minExclusive !== undefined ? String(BigInt(f.minExclusive) + 1n) : undefined) ?? b.min;
      const hi = f.maxInclusive ?? (int && f.maxExclusive !== undefined ? String(BigInt(f.maxExclusive) - 1n) : undefined) ?? b.max;
      if (lo !== undefined) attrs.push(`min="${esc(lo)}"`);
      if (hi !== undefined) attrs.push(`max="${esc(hi)}"`);
      const step = int || f.fractionDigits === 0 ? '1' : f.fractionDigits !== undefined ? (10 ** -f.fractionDigits).toFixed(f.fractionDigits) : 'any';
      attrs.push(`step="${step}"`);
    }
    this.form.push(`<div class="field"><label for="${id}">${label}</label><input type="${type}" id="${id}" name="${name}"${req}${data} ${attrs.join(' ')}${placeholder}>${hint}</div>`);
  }

  element(e: ElementModel, parent: Need, depth: number): void {
    const need = needOf(e, parent);
    this.row(e, need, depth);
    if (e.simple) {
      this.leaf(e, e.simple, need);
      return;
    }
    const id = this.id(e.path);
    this.form.push(`<fieldset class="group" id="${id}" data-path="${esc(e.path)}"><legend>${esc(e.label)} <code class="note">${esc(e.name)}</code>${this.mark(e, need)}</legend>`);
    if (e.doc) this.form.push(`<span class="hint">${esc(e.doc)}</span>`);
    const inner: Need = need?.always ? { always: true } : { always: false, when: need?.when ?? `si « ${e.label} » est renseigné` };
    if (e.complex?.content) this.group(e.complex.content, inner, depth + 1);
    this.form.push('</fieldset>');
  }

  group(g: GroupModel, parent: Need, depth: number): void {
    const optional = g.minOccurs < 1;
    const need: Need = optional ? { always: false, when: parent.when ?? 'si ce groupe est renseigné' } : parent;
    const repeat = g.maxOccurs > 1 ? ` (${g.minOccurs} à ${g.maxOccurs === Infinity ? 'n' : g.maxOccurs} fois)` : '';
    if (g.kind === 'choice') {
      this.form.push(`<fieldset class="choice"><legend>Un seul parmi les ${g.particles.length} choix suivants${repeat}${optional ? ' (facultatif)' : ''}</legend>`);
      const branch: Need = { always: false, when: 'si ce choix est retenu' };
      for (const p of g.particles) p.kind === 'element' ? this.element(p, branch, depth) : this.group(p, branch, depth);
      this.form.push('</fieldset>');
      return;
    }
    if (repeat || optional) this.form.push(`<fieldset class="sequence"><legend>Groupe${repeat}${optional ? ' (facultatif)' : ''}</legend>`);
    for (const p of g.particles) p.kind === 'element' ? this.element(p, need, depth) : this.group(p, need, depth);
    if (repeat || optional) this.form.push('</fieldset>');
  }

  render(model: FormModel): { form: string; table: string } {
    if (model.root.complex?.content) this.group(model.root.complex.content, { always: true }, 0);
    else if (model.root.simple) this.element({ ...model.root, path: model.root.name }, { always: true }, 0);
    return { form: this.form.join('\n'), table: this.rows.join('\n') };
  }
}

export function formPage(model: FormModel, sample: Sample): string {
  const { form, table } = new FormRenderer(sample).render(model);
  const v = esc(model.version);
  const code = esc(model.code);
  return page(
    `${model.code} — catalogue ${model.version} — maquette e-SAV`,
    `<a href="../index.html">Catalogues</a> › <a href="index.html">${v}</a> › ${code}`,
    `<h1>Formulaire ${code} <small>catalogue ${v}</small></h1>
<p id="title">${esc(model.title)}</p>
<dl class="meta">
<dt>Offres</dt><dd>${model.offers.map((o) => `<code>${esc(o)}</code>`).join(', ')}</dd>
<dt>Élément racine</dt><dd><code>${esc(model.element)}</code></dd>
<dt>Espace de noms</dt><dd><code>${esc(model.namespace)}</code></dd>
<dt>Schéma</dt><dd><code>${esc(model.file)}</code></dd>
</dl>
${model.root.doc ? `<p>${esc(model.root.doc)}</p>` : ''}
<h2>Maquette</h2>
<p class="note"><span class="req">*</span> obligatoire. Les motifs, longueurs et valeurs admises du schéma sont repris dans les contrôles de saisie ; le placeholder de chaque zone est la valeur de l'exemple ci-dessous.</p>
<form class="mockup" id="mockup" data-form="${code}" data-catalogue="${v}" data-namespace="${esc(model.namespace)}" data-element="${esc(model.element)}">
${form}
</form>
<h2>Champs</h2>
<table id="fields">
<thead><tr><th>Élément</th><th>Libellé</th><th>Obligatoire</th><th>Occurrences</th><th>Type</th><th>Contraintes</th><th>Documentation</th></tr></thead>
<tbody>
${table}
</tbody>
</table>
<h2>Exemple XML valide</h2>
<p>Valide pour le schéma <code>${esc(model.file)}</code> du catalogue ${v} (vérifié par la passerelle à la génération). <a id="sample-download" href="${code}.xml" download="${code}-${v}.xml">Télécharger l'exemple (${code}.xml)</a></p>
<pre id="sample-xml">${esc(sample.xml)}</pre>`,
  );
}
