// The form mock-ups in a real headless browser (Debian's chromium driven by playwright-core): the
// pages of the real gateway's admin listener, and the files `esav catalogue render` writes, opened
// from disk. One browser for the whole file.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { loadCatalogues, validateFormDocument, type CatalogueRegistry } from '../../src/catalogue/index.js';
import { SoapFault } from '../../src/soap/faults.js';
import { elementsOf, formModel, type ElementModel } from '../../src/catalogue/mockup/model.js';

const CHROMIUM = '/usr/bin/chromium';
const NOW = new Date('2026-12-01T10:00:00Z');

let t: TestGateway;
let browser: BrowserContext;
let reg: CatalogueRegistry;
let admin: string;
const profile = mkdtempSync(join(tmpdir(), 'esav-chromium-'));

beforeAll(async () => {
  // A missing browser is a failure, never a silent pass (README: `npm test` installs Debian's chromium as root, scripts/test-prereqs.sh).
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed: apt-get install -y chromium`);
  const launch = chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  [t, browser] = await Promise.all([startTestGateway({}, { clock: () => NOW }), launch]);
  admin = `http://127.0.0.1:${t.gw.adminPort}`;
  reg = loadCatalogues();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  reg?.dispose();
  await t?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** The gateway's own check of a deposited form; the fault code or 'OK'. */
function validate(version: string, code: string, xml: string): string {
  const form = reg.get(version)!.forms.get(code)!;
  try {
    validateFormDocument(reg, version, code, form.offers[0]!, xml);
    return 'OK';
  } catch (err) {
    if (err instanceof SoapFault) return err.code;
    throw err;
  }
}

// What the contract's XSDs say, written out: the pages must show exactly this.
const REQUIRED: Record<string, string[]> = {
  '2026-06/FTTH_ACCES': ['contact/nom', 'contact/telephone', 'refPto'],
  '2026-11/FTTH_ACCES': ['contact/nom', 'contact/telephone', 'localisationDefaut', 'refPto'],
  ETH_ENTREPRISE: ['extremiteA/adresse', 'extremiteA/codeInsee', 'extremiteZ/adresse', 'extremiteZ/codeInsee', 'interruptionTotale', 'niveauGarantie'],
  CUIVRE_ACCES: ['numeroLigne', 'testEffectue', 'typeDefaut'],
};
const ENUMERATIONS: Record<string, string[]> = {
  localisationDefaut: ['PTO', 'PBO', 'PM', 'RESEAU_TRANSPORT', 'INCONNUE'],
  niveauGarantie: ['GTR4H', 'GTR10HO', 'STANDARD'],
  typeDefaut: ['COUPURE', 'BRUIT', 'DEBIT_DEGRADE', 'COUPURES_FREQUENTES'],
};

/** The DOM members the checks read in the page (the project compiles without the DOM lib). */
interface Dom {
  name: string;
  tagName: string;
  required: boolean;
  pattern: string;
  placeholder: string;
  value: string;
  validity: { patternMismatch: boolean };
  options?: ArrayLike<{ value: string }>;
  href: string;
  innerText: string;
  getAttribute(name: string): string | null;
}

interface Control {
  name: string;
  tag: string;
  type: string | null;
  required: boolean;
  options: string[] | null;
}

/** Checks a rendered form page against the catalogue; returns the sample XML read from the page. */
async function checkFormPage(page: Page, version: string, code: string): Promise<string> {
  expect(await page.title()).toBe(`${code} — catalogue ${version} — maquette e-SAV`);
  expect(await page.textContent('h1')).toBe(`Formulaire ${code} catalogue ${version}`);
  const model = formModel(version, reg.get(version)!.forms.get(code)!);
  const all = elementsOf(model.root);
  const byPath = new Map(all.map((e) => [e.path, e]));
  // Mandatory for the HTML form: the field and every enclosing element are (the catalogues have no choice).
  const mandatory = (e: ElementModel) => e.path.split('/').every((_, i, parts) => byPath.get(parts.slice(0, i + 1).join('/'))!.minOccurs >= 1);
  const leaves = all.filter((e) => e.simple);

  const controls: Control[] = await page.$$eval('#mockup [name]', (els) =>
    (els as unknown as Dom[]).map((el) => ({
      name: el.getAttribute('name')!,
      tag: el.tagName,
      type: el.getAttribute('type'),
      required: el.required,
      options: el.tagName === 'SELECT' ? Array.from(el.options!, (o) => o.value).filter(Boolean) : null,
    })),
  );
  // One control per leaf field (two radios for a boolean), in schema order.
  expect([...new Set(controls.map((c) => c.name))]).toEqual(leaves.map((e) => e.path));
  const requiredNames = [...new Set(controls.filter((c) => c.required).map((c) => c.name))].sort();
  expect(requiredNames).toEqual(REQUIRED[`${version}/${code}`] ?? REQUIRED[code]);
  expect(requiredNames).toEqual(leaves.filter(mandatory).map((e) => e.path).sort());
  for (const e of leaves) {
    const mine = controls.filter((c) => c.name === e.path);
    if (e.simple!.facets.enumeration) {
      expect(mine).toEqual([expect.objectContaining({ tag: 'SELECT', options: e.simple!.facets.enumeration.map((v) => v.value) })]);
      if (ENUMERATIONS[e.name]) expect(mine[0]!.options).toEqual(ENUMERATIONS[e.name]);
    } else if (e.simple!.builtin === 'boolean') {
      expect(mine.map((c) => `${c.tag}:${c.type}`)).toEqual(['INPUT:radio', 'INPUT:radio']);
    } else expect(mine).toHaveLength(1);
  }
  expect((await page.$$('#mockup select')).length).toBe(leaves.filter((e) => e.simple!.facets.enumeration).length);

  // The pattern attributes work in the browser: they compile, the sample value passes, a wrong one does not.
  const patterns = await page.$$eval('#mockup input[pattern]', (els) =>
    (els as unknown as Dom[]).map((el) => {
      let compiles = true;
      try {
        new RegExp(el.pattern, 'v');
      } catch {
        compiles = false;
      }
      el.value = el.placeholder;
      const samplePasses = el.placeholder !== '' && !el.validity.patternMismatch;
      el.value = `${el.placeholder} !`;
      const wrongRefused = el.validity.patternMismatch;
      el.value = '';
      return { name: el.name, compiles, samplePasses, wrongRefused };
    }),
  );
  expect(patterns.map((p) => p.name)).toEqual(leaves.filter((e) => e.simple!.facets.patterns.length).map((e) => e.path));
  for (const p of patterns) expect(p).toEqual({ name: p.name, compiles: true, samplePasses: true, wrongRefused: true });

  expect(await page.$$eval('#fields tbody tr', (rows) => rows.map((r) => r.getAttribute('data-path')))).toEqual(all.map((e) => e.path));

  // The sample as the page shows it validates with the gateway's validator; altered, it does not.
  const xml = (await page.textContent('#sample-xml'))!;
  expect(validate(version, code, xml)).toBe('OK');
  const first = all.find((e) => !e.path.includes('/') && e.minOccurs >= 1)!;
  const without = xml.replace(new RegExp(`\\s*<f:${first.name}>[\\s\\S]*?</f:${first.name}>`), '');
  expect(without).not.toBe(xml);
  expect(validate(version, code, without)).toBe('SCHEMA_INVALIDE');
  const download = await page.$eval('#sample-download', (a) => ({ href: (a as unknown as Dom).href, download: a.getAttribute('download') }));
  expect(download.download).toBe(`${code}-${version}.xml`);
  return xml;
}

describe('form mock-ups in headless chromium', () => {
  it('the admin listener: versions, then each nomenclature, then every form page with a sample that validates', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    try {
      const res = await page.goto(`${admin}/catalogue/`);
      expect(res!.status()).toBe(200);
      const versions = await page.$$eval('#versions a', (as) => as.map((a) => (a as unknown as Dom).href));
      expect(versions).toEqual([`${admin}/catalogue/2026-06/index.html`, `${admin}/catalogue/2026-11/index.html`]);
      // Dates from the lifecycle table (seeded at start), status at the gateway's pinned clock.
      expect(await page.$$eval('#versions tbody tr', (rows) => rows.map((r) => (r as unknown as Dom).innerText.split('\t').slice(0, 4)))).toEqual([
        ['2026-06', 'en production', '2026-06-01', '—'],
        ['2026-11', 'en production', '2026-11-02', '—'],
      ]);
      let forms = 0;
      for (const versionUrl of versions) {
        const version = /\/(\d{4}-\d{2})\/index\.html$/.exec(versionUrl)![1]!;
        expect((await page.goto(versionUrl))!.status()).toBe(200);
        expect(await page.textContent('#dates')).toContain('cycle de vie des versions');
        const links = await page.$$eval('#nomenclature a', (as) => as.map((a) => (a as unknown as Dom).href));
        const codes = [...reg.get(version)!.forms.keys()];
        expect(links).toEqual(codes.map((c) => `${admin}/catalogue/${version}/${c}.html`));
        for (const [i, link] of links.entries()) {
          expect((await page.goto(link))!.status()).toBe(200);
          const xml = await checkFormPage(page, version, codes[i]!);
          // The download link serves the same sample.
          const served = await page.request.get(`${admin}/catalogue/${version}/${codes[i]}.xml`);
          expect(served.headers()['content-type']).toBe('application/xml; charset=utf-8');
          expect(await served.text()).toBe(xml);
          forms++;
        }
      }
      expect(forms).toBe(6);
      // Nothing but the admin listener's own pages: no CDN, no font, no script.
      expect(requested.filter((u) => !u.startsWith(`${admin}/catalogue/`))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('an unknown version is a 404 page naming the versions there are', async () => {
    const page = await browser.newPage();
    try {
      const res = await page.goto(`${admin}/catalogue/2099-01/`);
      expect(res!.status()).toBe(404);
      expect(await page.textContent('body')).toContain("Le catalogue « 2099-01 » n'existe pas. Versions du catalogue : 2026-06, 2026-11.");
      expect((await page.goto(`${admin}/catalogue/2026-11/INCONNU.html`))!.status()).toBe(404);
    } finally {
      await page.close();
    }
  });

  it('esav catalogue render --out: the same pages, opened from disk, their relative links followed', async () => {
    const out = join(t.dir, 'mockups');
    const stdout = esavOk(t.env, 'catalogue', 'render', '--out', out);
    expect(stdout).toContain('15 files written');
    const page = await browser.newPage();
    try {
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      expect(await page.title()).toBe('Catalogues de formulaires e-SAV — maquettes');
      for (const version of ['2026-06', '2026-11']) {
        await page.goto(pathToFileURL(join(out, 'index.html')).href);
        await Promise.all([page.waitForURL(`**/${version}/index.html`), page.click(`#versions a:text-is("${version}")`)]);
        // The lifecycle's dates, read by esav from the same database.
        expect(await page.textContent('#dates')).toContain('cycle de vie des versions');
        for (const code of reg.get(version)!.forms.keys()) {
          await Promise.all([page.waitForURL(`**/${version}/${code}.html`), page.click(`#nomenclature a:text-is("${code}")`)]);
          expect(page.url()).toBe(pathToFileURL(join(out, version, `${code}.html`)).href);
          const xml = await checkFormPage(page, version, code);
          expect(readFileSync(join(out, version, `${code}.xml`), 'utf8')).toBe(xml);
          // The same page as the admin listener serves.
          expect(readFileSync(join(out, version, `${code}.html`), 'utf8')).toBe(await (await fetch(`${admin}/catalogue/${version}/${code}.html`)).text());
          await Promise.all([page.waitForURL(`**/${version}/index.html`), page.click(`nav a:text-is("${version}")`)]);
        }
      }
    } finally {
      await page.close();
    }
  }, 120_000);
});
