import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { envelope, formXml, parseSoap, V1, V2, type TlsCreds } from '../support/http.js';
import { keepAliveAgent, mapLimit, prng, timedRequest, type TimedReply } from '../support/load.js';
import { createCa, issueClientCert } from '../../src/pki/certs.js';

// Issue #8, hostile input: a corpus of malformed or malicious messages, generated from a fixed
// seed (the same corpus on every run and machine), sent over real mTLS with bounded concurrency on
// keep-alive connections. Every answer is a proper SOAP 1.1 fault (or a valid deposit, stored
// verbatim), or a clean TLS refusal; the gateway never crashes and writes nothing it refused.
const OP = '552081341';
const PRESTATION = 'ETH-HOSTILE-1';
const SEED = 20_261_125;
const SIZE = 1200;
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

let t: TestGateway;
let creds: ClientCreds;

type Expect = 'deposit' | 'fault' | 'tls-refusal' | 'deposit-or-fault';
interface Case {
  kind: string;
  path: string;
  body: Buffer;
  headers: OutgoingHttpHeaders;
  expect: Expect;
  /** For valid deposits: what must be stored, verbatim. */
  stored?: { ext: string | null; label: string; comment: string | null };
  creds?: TlsCreds;
}

const SQL_AND_SCRIPT = [
  "' OR '1'='1", "'; DROP TABLE tickets; --", 'Robert\'); DROP TABLE ticket_events;--', '1; DELETE FROM tickets WHERE 1=1',
  "' UNION SELECT reference, operator_siren FROM tickets --", "'; SELECT pg_sleep(30); --", '" OR ""="', "admin'--",
  "'; UPDATE tickets SET state='CLOS'; --", '$$; COPY tickets TO PROGRAM \'id\'; $$', "E'\\x27'", '\\\'; TRUNCATE tickets CASCADE; --',
  '<script>alert(document.cookie)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '<svg/onload=alert(1)>',
  '${jndi:ldap://127.0.0.1/a}', '{{7*7}}', '#{7*7}', '$(rm -rf /)', '`id`', '../../../../etc/passwd', '%27%20OR%201=1', '&lt;already escaped&gt;',
  'émoji 😀 ñ ß — « guillemets »', 'ＳＥＬＥＣＴ＊', 'a]]>b', '<![CDATA[x]]>', '<?php system("id"); ?>', 'null', 'undefined', 'NaN', '0x00',
];
const CONTROL = ['\u0000', '\u0001', '\u000b', '\u001f', '\ufffe', '\uffff'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

function generate(seed: number, n: number, rogue: TlsCreds, noCert: TlsCreds): Case[] {
  const rnd = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const nasty = () => pick(SQL_AND_SCRIPT);
  const headers = (ns: string, op = 'deposerSignalisation'): OutgoingHttpHeaders => ({ 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${ns}#${op}"` });
  const deposit = (ns: string, f: { prestation?: string; ext?: string; code?: string; label?: string; comment?: string; raw?: boolean } = {}) => {
      const e = f.raw ? (s: string) => s : esc;
      return `<s:deposerSignalisation xmlns:s="${ns}"><s:identifiantPrestation>${e(f.prestation ?? PRESTATION)}</s:identifiantPrestation>` +
        (f.ext !== undefined ? `<s:referenceExterne>${e(f.ext)}</s:referenceExterne>` : '') + formXml(PRESTATION) +
        `<s:defautDeclare><s:code>${e(f.code ?? 'COUPURE')}</s:code><s:libelle>${e(f.label ?? 'Coupure')}</s:libelle></s:defautDeclare>` +
        (f.comment !== undefined ? `<s:commentaire>${e(f.comment)}</s:commentaire>` : '') + `</s:deposerSignalisation>`;
    };
  const path = (v: string) => `/ws/signalisation/${v}`;
  const cases: Case[] = [];
  const kinds: Array<(i: number) => Case> = [
    // SQL and script text in a valid field of a valid message: a legitimate deposit, stored verbatim.
    (i) => {
      const [ns, v] = pick([[V1, 'v1'], [V2, 'v2']] as const);
      const stored = { ext: `HOSTILE-${i}`, label: nasty().slice(0, 500), comment: `${nasty()} ${nasty()}` };
      return { kind: 'sql-script-valid-field', path: path(v), body: Buffer.from(envelope(deposit(ns, stored))), headers: headers(ns), expect: 'deposit', stored };
    },
    // ...and in fields whose schema restricts it (identifiers, codes, references): a fault, except
    // for the few strings the referenceExterne pattern allows ('null', '../../../../etc/passwd').
    (i) => {
      const field = pick(['prestation', 'ext', 'code'] as const);
      const value = nasty();
      const ext = field === 'ext' ? value : `HOSTILE-R-${i}`;
      const valid = field === 'ext' && /^[\p{L}\p{N}._:/-]{1,64}$/u.test(value);
      return {
        kind: `sql-script-restricted-${field}`, path: path('v1'), body: Buffer.from(envelope(deposit(V1, { [field]: value, ext }))), headers: headers(V1),
        expect: valid ? 'deposit' : 'fault', stored: valid ? { ext, label: 'Coupure', comment: null } : undefined,
      };
    },
    () => {
      const ref = nasty();
      const op = pick(['consulterEtatSignalisation', 'consulterDetailSignalisation']);
      return { kind: 'sql-script-reference', path: path('v1'), body: Buffer.from(envelope(`<s:${op} xmlns:s="${V1}"><s:referenceSignalisation>${esc(ref)}</s:referenceSignalisation></s:${op}>`)), headers: headers(V1, op), expect: 'fault' };
    },
    // Truncated anywhere.
    (i) => {
      const full = envelope(deposit(V1, { ext: `HOSTILE-T-${i}` }));
      return { kind: 'truncated', path: path('v1'), body: Buffer.from(full.slice(0, int(0, full.length - 2))), headers: headers(V1), expect: 'fault' };
    },
    // Deeply nested elements, in the body or in a field.
    () => {
      const depth = int(50, 20_000);
      const inner = `${'<x:a xmlns:x="urn:x">'.repeat(1)}${'<x:a>'.repeat(depth)}${'</x:a>'.repeat(depth)}</x:a>`;
      const where = pick(['body', 'field', 'header']);
      const xml = where === 'body' ? envelope(inner) : where === 'header' ? envelope(deposit(V1), inner) : envelope(deposit(V1, { comment: 'PLACEHOLDER' })).replace('PLACEHOLDER', inner);
      // In a header block without mustUnderstand, a shallow enough tree is ignored, as SOAP says: the
      // deposit is valid. Past libxml2's depth limit it is refused like the others.
      return where === 'header'
        ? { kind: `deep-nesting-${where}`, path: path('v1'), body: Buffer.from(xml), headers: headers(V1), expect: 'deposit-or-fault', stored: { ext: null, label: 'Coupure', comment: null } }
        : { kind: `deep-nesting-${where}`, path: path('v1'), body: Buffer.from(xml), headers: headers(V1), expect: 'fault' };
    },
    // Huge attributes, many attributes, duplicate attributes.
    () => {
      const size = pick([10_000, 100_000, 500_000, 900_000]);
      const how = pick(['huge', 'many', 'duplicate']);
      const attrs = how === 'huge' ? ` x="${'A'.repeat(size)}"` : how === 'many' ? Array.from({ length: size / 100 }, (_, k) => ` a${k}="${k}"`).join('') : ' a="1" a="2"';
      const xml = envelope(deposit(V1)).replace('<s:deposerSignalisation ', `<s:deposerSignalisation${attrs} `);
      return { kind: `attributes-${how}`, path: path('v1'), body: Buffer.from(xml), headers: headers(V1), expect: 'fault' };
    },
    // Entity tricks.
    () => {
      const dep = envelope(deposit(V1, { comment: 'ENT', raw: true })).replace(/^<\?xml[^>]*>/, '');
      const tricks = [
        `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "${'x'.repeat(50)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>` + dep.replace('ENT', '&b;'),
        `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + dep.replace('ENT', '&x;'),
        `<?xml version="1.0"?><!DOCTYPE s SYSTEM "http://127.0.0.1:1/evil.dtd">` + dep,
        `<?xml version="1.0"?><!DOCTYPE s [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>` + dep,
        dep.replace('ENT', '&undefinedEntity;'),
        dep.replace('ENT', '&#0;'),
        dep.replace('ENT', '&#xD800;'),
        dep.replace('ENT', '&#1114112;'),
        dep.replace('ENT', '&#x1F;'),
        dep.replace('ENT', '&amp'),
        dep.replace('ENT', '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'),
        dep.replace('ENT', '<![CDATA[ ]]> ]]>'),
        '<?xml-stylesheet type="text/xsl" href="http://127.0.0.1:1/x.xsl"?>' + dep.replace('ENT', 'x').replace('<soapenv:Body>', '<soapenv:Body xsi:schemaLocation="urn:x http://127.0.0.1:1/x.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'),
        `<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment -->` + dep.replace('ENT', 'x'),
        dep.replace('ENT', `<s:commentaire>${'&amp;'.repeat(2000)}</s:commentaire>`),
      ];
      const k = int(0, tricks.length - 1);
      // A DOCTYPE inside a comment is still refused by the byte scan: a fault, like the rest.
      return { kind: `entity-trick-${k}`, path: path('v1'), body: Buffer.from(tricks[k]!), headers: headers(V1), expect: 'fault' };
    },
    // Wrong encodings.
    () => {
      const xml = envelope(deposit(V1, { comment: 'Café crème' }));
      const variants: Array<() => Buffer> = [
        () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml.replace('UTF-8', 'UTF-16'), 'utf16le')]),
        () => Buffer.from(xml.replace('UTF-8', 'UTF-16'), 'utf16le'),
        () => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(xml.replace('UTF-8', 'UTF-16'), 'utf16le').swap16()]),
        () => Buffer.from(xml.replace('UTF-8', 'ISO-8859-1'), 'latin1'),
        () => Buffer.from(xml, 'latin1'),
        () => Buffer.concat([Buffer.from(xml.slice(0, 400)), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from(xml.slice(400))]),
        () => Buffer.from(xml.replace('UTF-8', 'UTF-7')),
        () => Buffer.from(xml.replace('UTF-8', 'EBCDIC-US')),
        () => Buffer.concat([Buffer.from(xml.slice(0, 300)), Buffer.from([0x00]), Buffer.from(xml.slice(300))]),
        () => Buffer.from(xml.replace('Café crème', CONTROL[int(0, CONTROL.length - 1)]!)),
      ];
      const k = int(0, variants.length - 1);
      return { kind: `encoding-${k}`, path: path('v1'), body: variants[k]!(), headers: headers(V1), expect: 'fault' };
    },
    // Mixed versions and envelopes.
    () => {
      const variants: Array<[string, string, OutgoingHttpHeaders]> = [
        [path('v2'), envelope(deposit(V1)), headers(V2)],
        [path('v1'), envelope(deposit(V2)), headers(V1)],
        [path('v1'), envelope(deposit(V1)).replace(`xmlns:s="${V1}"`, `xmlns:s="${V1}" xmlns:t="${V2}"`).replace('<s:defautDeclare>', '<t:defautDeclare>').replace('</s:defautDeclare>', '</t:defautDeclare>'), headers(V1)],
        [path('v1'), `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>${deposit(V1)}</e:Body></e:Envelope>`, headers(V1)],
        [path('v1'), envelope(deposit(V1) + deposit(V1)), headers(V1)],
        [path('v1'), envelope(deposit(V1)) + envelope(deposit(V1)), headers(V1)],
        [path('v1'), envelope(deposit(V1)).replaceAll(SOAP11, 'http://schemas.xmlsoap.org/soap/envelope'), headers(V1)],
        [path('v1'), envelope(deposit(V1)), headers(V2)],
        [path('v3'), envelope(deposit(V1)), headers(V1)],
        [`/ws/${pick(['signalisations', 'nimporte', 'signalisation-v1'])}/v1`, envelope(deposit(V1)), headers(V1)],
        [path('v1'), envelope(deposit(V1), `<h:x xmlns:h="urn:h" soapenv:mustUnderstand="1">1</h:x>`), headers(V1)],
        [path('v1'), envelope(`<s:${pick(['supprimerSignalisation', 'deposerSignalisationReponse', 'Fault'])} xmlns:s="${V1}"/>`), headers(V1)],
        [path('v1'), envelope(deposit('urn:fr:esav:signalisation:v1 ')), headers(V1)],
      ];
      const k = int(0, variants.length - 1);
      const [p, x, h] = variants[k]!;
      return { kind: `mixed-version-${k}`, path: p, body: Buffer.from(x), headers: h, expect: 'fault' };
    },
    // HTTP-level tricks: content type, SOAPAction, content encoding.
    () => {
      const body = Buffer.from(envelope(deposit(V1)));
      const variants: Array<[Buffer, OutgoingHttpHeaders]> = [
        [body, { 'Content-Type': pick(['application/soap+xml', 'application/json', 'text/plain', 'text/xml-evil', '']) , SOAPAction: `"${V1}#deposerSignalisation"` }],
        [body, { 'Content-Type': 'text/xml; charset=utf-8' }],
        [body, { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${V1}#${pick(['consulterEtatSignalisation', "'; DROP TABLE tickets;--", '<script>'])}"` }],
        [body, { ...headers(V1), 'Content-Encoding': pick(['br', 'compress', 'gzip, gzip', 'x-evil']) }],
        [body, { ...headers(V1), 'Content-Encoding': 'gzip' }],
        [gzipSync(Buffer.alloc(int(2, 40) * 1_000_000, 0x20)), { ...headers(V1), 'Content-Encoding': 'gzip' }],
        [gzipSync(body).subarray(0, 40), { ...headers(V1), 'Content-Encoding': 'gzip' }],
        [Buffer.alloc(0), headers(V1)],
        [Buffer.from('   \n\t  '), headers(V1)],
        [Buffer.from(Array.from({ length: int(1, 4000) }, () => int(0, 255))), headers(V1)],
        [Buffer.from('{"deposerSignalisation":{"identifiantPrestation":"ETH-HOSTILE-1"}}'), headers(V1)],
      ];
      const k = int(0, variants.length - 1);
      const [b, h] = variants[k]!;
      return { kind: `http-${k}`, path: path('v1'), body: b, headers: h, expect: 'fault' };
    },
    // Over the size cap.
    () => ({ kind: 'over-cap', path: path('v1'), body: Buffer.from(envelope(deposit(V1, { comment: 'x'.repeat(int(1_050_000, 1_500_000)) }))), headers: headers(V1), expect: 'fault' }),
  ];
  // Weights: mostly malformed content, a fair share of valid-but-nasty deposits, few big bodies.
  const weights = [14, 10, 6, 12, 8, 8, 12, 10, 10, 8, 2];
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    let r = rnd() * total;
    let k = 0;
    while (r >= weights[k]!) r -= weights[k++]!;
    cases.push(kinds[k]!(i));
  }
  // A few callers without an acceptable certificate: refused at the TLS handshake.
  for (let i = 0; i < 10; i++) {
    cases.push({ kind: i % 2 ? 'tls-no-certificate' : 'tls-rogue-ca', path: path('v1'), body: Buffer.from(envelope(deposit(V1))), headers: headers(V1), expect: 'tls-refusal', creds: i % 2 ? noCert : rogue });
  }
  return cases;
}

beforeAll(async () => {
  t = await startTestGateway();
  creds = t.issue(OP, 'esav');
  esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', PRESTATION, '--offer', 'ETH_ENTREPRISE');
});

afterAll(async () => {
  await t?.close();
});

describe('a seeded corpus of hostile messages over mTLS', () => {
  it('zero crashes; every answer a SOAP 1.1 Client fault or a valid deposit stored verbatim, or a TLS refusal; nothing written for refusals', async () => {
    const pool = t.gw.db.pool;
    const count = async () => (await pool.query('SELECT (SELECT count(*) FROM tickets)::int AS t, (SELECT count(*) FROM ticket_events)::int AS e, (SELECT count(*) FROM ticket_comments)::int AS c')).rows[0] as { t: number; e: number; c: number };
    const before = await count();
    const rogueCert = issueClientCert(createCa('Rogue CA'), { siren: OP, operatorName: 'x', scope: 'esav' });
    const rogue = { key: Buffer.from(rogueCert.keyPem), cert: Buffer.from(rogueCert.certPem), ca: creds.ca };
    const corpus = generate(SEED, SIZE, rogue, { ca: creds.ca });
    expect(corpus.length).toBeGreaterThanOrEqual(1000);

    const agents: https.Agent[] = Array.from({ length: 4 }, () => keepAliveAgent(creds, 2));
    const started = Date.now();
    const replies: TimedReply[] = await mapLimit(corpus, 8, (c, i) =>
      timedRequest(`${t.base}${c.path}`, c.creds ?? creds, { method: 'POST', headers: c.headers, body: c.body, agent: c.creds ? false : agents[i % agents.length], timeoutMs: 30_000 }),
    );
    const elapsed = Date.now() - started;
    for (const a of agents) a.destroy();

    const problems: string[] = [];
    const deposits: Array<{ ref: string; stored: NonNullable<Case['stored']> }> = [];
    const byCode = new Map<string, number>();
    corpus.forEach((c, i) => {
      const r = replies[i]!;
      const where = `#${i} ${c.kind}`;
      if (c.expect === 'tls-refusal') {
        if (r.status !== undefined) problems.push(`${where}: answered ${r.status} without an acceptable certificate`);
        return;
      }
      if (r.error) return void problems.push(`${where}: no answer (${r.error})`);
      if (r.status === 200) {
        if (c.expect !== 'deposit' && c.expect !== 'deposit-or-fault') return void problems.push(`${where}: accepted (200) ${r.body!.slice(0, 200)}`);
        deposits.push({ ref: parseSoap(r.body!).payload!.deposerSignalisationReponse.referenceSignalisation, stored: c.stored! });
        return;
      }
      if (r.status !== 500 || !r.body!.includes(SOAP11)) return void problems.push(`${where}: HTTP ${r.status} ${r.body!.slice(0, 200)}`);
      let fault;
      try {
        fault = parseSoap(r.body!).fault;
      } catch (err) {
        return void problems.push(`${where}: unparseable answer ${(err as Error).message}`);
      }
      if (!fault || !fault.code || !fault.message) return void problems.push(`${where}: not a fault with its erreur detail: ${r.body!.slice(0, 300)}`);
      if (!['soap:Client', 'soap:VersionMismatch', 'soap:MustUnderstand'].includes(fault.faultcode)) problems.push(`${where}: ${fault.faultcode} ${fault.code} ${fault.message}`);
      if (c.expect === 'deposit') problems.push(`${where}: a valid deposit refused: ${fault.code} ${fault.message}`);
      byCode.set(fault.code, (byCode.get(fault.code) ?? 0) + 1);
    });
    expect(problems).toEqual([]);

    // The gateway is still up and answering.
    expect((await fetch(`http://127.0.0.1:${t.gw.adminPort}/health`)).status).toBe(200);
    // Nothing written but the valid deposits, each stored verbatim (the SQL in them never ran).
    const after = await count();
    // (a referenceExterne sent twice with the same content is one ticket, answered twice)
    const made = new Set(deposits.map((d) => d.ref)).size;
    expect(after).toEqual({ t: before.t + made, e: before.e + made, c: before.c });
    for (const d of deposits) {
      const row = (await pool.query('SELECT external_ref, fault_label, comment, state FROM tickets WHERE reference = $1', [d.ref])).rows[0];
      expect(row).toEqual({ external_ref: d.stored.ext, fault_label: d.stored.label, comment: d.stored.comment, state: 'EN_DEPOT' });
    }
    console.log(`hostile input: ${corpus.length} messages in ${elapsed} ms, ${deposits.length} valid deposits (${new Set(deposits.map((d) => d.ref)).size} tickets) stored verbatim, faults: ${[...byCode].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }, 120_000);
});
