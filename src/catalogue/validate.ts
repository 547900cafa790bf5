import { clientFault, type FaultDiagnostic } from '../soap/faults.js';
import { toObject, type XmlValue } from '../soap/toObject.js';
import { elementChildren, parseRequest, validateElement, XmlElement } from '../soap/xml.js';
import type { CatalogueRegistry, CatalogueVersion, FormSpec } from './registry.js';

export interface ValidatedForm {
  /** Catalogue version the form was validated against. */
  catalogue: string;
  /** Form code (e.g. FTTH_ACCES). */
  code: string;
  /** toObject of the form element: local names as keys, namespaces dropped. */
  data: XmlValue;
}

const liveList = (reg: CatalogueRegistry) => reg.live().map((v) => v.version).join(', ') || 'aucun';

function liveCatalogue(reg: CatalogueRegistry, version: string): CatalogueVersion {
  const cat = reg.get(version);
  if (!cat || cat.status !== 'live') {
    throw clientFault(
      'CATALOGUE_INCONNU',
      `Le catalogue de formulaires « ${version} » n'existe pas ou n'est plus en production ; catalogues en production : ${liveList(reg)}.`,
    );
  }
  return cat;
}

/** The form of an offer in a catalogue version, or undefined if the offer has none (or the version is unknown). */
export function formForOffer(reg: CatalogueRegistry, catalogueVersion: string, offerCode: string): FormSpec | undefined {
  const cat = reg.get(catalogueVersion);
  if (!cat || cat.status !== 'live') return undefined;
  for (const f of cat.forms.values()) if (f.offers.includes(offerCode)) return f;
  return undefined;
}

const qname = (ns: string, name: string) => `{${ns}}${name}`;

/** Which live catalogue form, if any, has this root element (to tell the integrator what they sent). */
function formOfElement(reg: CatalogueRegistry, ns: string, name: string): { version: string; form: FormSpec } | undefined {
  for (const v of reg.live()) {
    for (const f of v.forms.values()) if (f.namespace === ns && f.element === name) return { version: v.version, form: f };
  }
  return undefined;
}

/** Path of an element in its document, in libxml2's style (as in schema diagnostics). */
function nodePath(el: XmlElement): string {
  const steps: string[] = [];
  for (let e: XmlElement | null = el; e; e = e.parent) {
    const step = (e.prefix ? `${e.prefix}:` : '') + e.name;
    const same = e.parent ? elementChildren(e.parent).filter((s) => s.name === e!.name && s.namespaceUri === e!.namespaceUri) : [e];
    steps.unshift(same.length > 1 ? `${step}[${same.findIndex((s) => s.isSameNode(e!)) + 1}]` : step);
  }
  return '/' + steps.join('/');
}

/**
 * Coherence rule the XSD (1.0) cannot express: in every <plage> (any form), <fin> is after
 * <debut>. Runs after schema validation, so both are valid xsd:dateTime with an explicit offset.
 */
function checkRanges(root: XmlElement, data: XmlValue, what: string): void {
  const bad: FaultDiagnostic[] = [];
  // Walk the converted data, not the tree: each tree step is a crossing into libxml2's memory.
  const prefix = root.prefix ? `${root.prefix}:` : '';
  const walk = (name: string, v: XmlValue, path: string) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(name, item, `${path}/${prefix}${name}[${i + 1}]`));
      return;
    }
    if (typeof v !== 'object') return;
    if (name === 'plage') {
      const debut = typeof v.debut === 'string' ? v.debut.trim() : undefined;
      const fin = typeof v.fin === 'string' ? v.fin.trim() : undefined;
      if (debut && fin && !(Date.parse(fin) > Date.parse(debut))) {
        bad.push({ line: root.line || undefined, path, message: `Élément plage : la fin (${fin}) doit être postérieure au début (${debut}).` });
      }
    }
    for (const [k, child] of Object.entries(v)) {
      if (!k.startsWith('@') && child !== undefined) walk(k, child, Array.isArray(child) ? path : `${path}/${prefix}${k}`);
    }
  };
  // The root's path only matters in a diagnostic: walk with a placeholder, resolve it when needed.
  const ROOT = '\u0000';
  walk(root.name, data, ROOT);
  if (bad.length) {
    const rootPath = nodePath(root);
    for (const b of bad) b.path = b.path?.replace(ROOT, rootPath);
  }
  if (bad.length) throw clientFault('FORMULAIRE_INVALIDE', `${what} contient ${bad.length} plage(s) horaire(s) incohérente(s).`, bad);
}

/**
 * Validates the form attached to a deposit.
 * formRoot: the single child element inside the deposit's <formulaire> wrapper.
 * Checks, in order: the catalogue version is live (CATALOGUE_INCONNU), the form code exists in it
 * (FORMULAIRE_INCONNU), the form is the one of the prestation's offer (FORMULAIRE_INCOMPATIBLE),
 * a form element was sent (FORMULAIRE_ABSENT), it is the form's root element in the form's
 * namespace for that version (FORMULAIRE_INVALIDE), it matches the form's XSD (SCHEMA_INVALIDE,
 * one diagnostic per libxml2 error), and its time ranges are ordered (FORMULAIRE_INVALIDE).
 */
export function validateForm(
  reg: CatalogueRegistry,
  catalogueVersion: string,
  formCode: string,
  formRoot: XmlElement | undefined,
  offerCode: string,
): ValidatedForm {
  const cat = liveCatalogue(reg, catalogueVersion);
  const v = cat.version;
  const form = cat.forms.get(formCode);
  if (!form) {
    throw clientFault(
      'FORMULAIRE_INCONNU',
      `Le formulaire « ${formCode} » n'existe pas dans le catalogue ${v} ; formulaires de ce catalogue : ${[...cat.forms.keys()].sort().join(', ')}.`,
    );
  }
  if (!form.offers.includes(offerCode)) {
    const expected = formForOffer(reg, v, offerCode);
    throw clientFault(
      'FORMULAIRE_INCOMPATIBLE',
      expected
        ? `Le formulaire ${form.code} ne s'applique pas à l'offre ${offerCode} de la prestation : formulaire attendu ${expected.code} (catalogue ${v}).`
        : `Le formulaire ${form.code} ne s'applique pas à l'offre ${offerCode} de la prestation, et le catalogue ${v} n'a aucun formulaire pour cette offre (le formulaire ${form.code} vaut pour : ${form.offers.join(', ')}).`,
    );
  }
  const expectedElement = qname(form.namespace, form.element);
  if (!formRoot) {
    throw clientFault(
      'FORMULAIRE_ABSENT',
      `L'élément formulaire est vide : il doit contenir l'élément ${expectedElement} du formulaire ${form.code} (catalogue ${v}).`,
    );
  }
  if (formRoot.name !== form.element || formRoot.namespaceUri !== form.namespace) {
    const got = formRoot.namespaceUri ? qname(formRoot.namespaceUri, formRoot.name) : `${formRoot.name} (sans espace de noms)`;
    const other = formOfElement(reg, formRoot.namespaceUri, formRoot.name);
    const hint = other ? `, qui est le formulaire ${other.form.code} du catalogue ${other.version}` : '';
    throw clientFault(
      'FORMULAIRE_INVALIDE',
      `Le formulaire ${form.code} du catalogue ${v} doit être l'élément ${form.element} dans l'espace de noms ${form.namespace} ; reçu ${got}${hint}.`,
      [{ line: formRoot.line || undefined, message: `Élément attendu : ${expectedElement} ; reçu : ${got}.` }],
    );
  }
  const what = `Le formulaire ${form.code} (catalogue ${v})`;
  validateElement(form.validator, formRoot, what);
  const data = toObject(formRoot);
  checkRanges(formRoot, data, what);
  return { catalogue: v, code: form.code, data };
}

/**
 * validateForm on a form written as a document of its own (the mock-ups' samples, tests): parsed
 * as a request body is, validated, freed. Throws the same SoapFaults.
 */
export function validateFormDocument(reg: CatalogueRegistry, catalogueVersion: string, formCode: string, offerCode: string, xml: string): ValidatedForm {
  const doc = parseRequest(Buffer.from(xml));
  try {
    return validateForm(reg, catalogueVersion, formCode, doc.root, offerCode);
  } finally {
    doc.dispose();
  }
}
