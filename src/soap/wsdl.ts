import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceVersion } from './registry.js';

const HOST_RE = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/** The base URL the caller used, from its Host header when it is a plain host[:port]. */
export function publicBase(hostHeader: string | undefined, fallbackHost: string): string {
  const host = hostHeader && HOST_RE.test(hostHeader) ? hostHeader : fallbackHost;
  return `https://${host}`;
}

/**
 * Serves a version's WSDL and schemas as files of that version only (no path in the name, so no
 * traversal), with soap:address set to the caller's own address and relative schemaLocations
 * made absolute (`<endpoint>?xsd=<file>`), the way Apache CXF publishes them: every client
 * (zeep, SoapUI, svcutil, wsimport, node-soap) then loads imports without guessing a base.
 */
export class WsdlPublisher {
  private readonly files = new Map<string, Map<string, string>>();

  constructor(versions: ServiceVersion[]) {
    for (const v of versions) {
      const docs = new Map<string, string>();
      for (const name of readdirSync(v.dir)) {
        if (name.endsWith('.xsd') || name === v.wsdl) docs.set(name, readFileSync(join(v.dir, name), 'utf8'));
      }
      this.files.set(`${v.service}/${v.version}`, docs);
    }
  }

  wsdl(v: ServiceVersion, base: string): string | undefined {
    const doc = this.files.get(`${v.service}/${v.version}`)?.get(v.wsdl);
    if (!doc) return undefined;
    const endpoint = `${base}/ws/${v.service}/${v.version}`;
    return rewriteLocations(doc, endpoint).replace(/(<(?:\w+:)?address\b[^>]*\blocation=")[^"]*(")/g, `$1${endpoint}$2`);
  }

  xsd(v: ServiceVersion, name: string, base: string): string | undefined {
    if (!/^[A-Za-z0-9._-]+\.xsd$/.test(name)) return undefined;
    const doc = this.files.get(`${v.service}/${v.version}`)?.get(name);
    return doc && rewriteLocations(doc, `${base}/ws/${v.service}/${v.version}`);
  }
}

function rewriteLocations(doc: string, endpoint: string): string {
  return doc.replace(/\bschemaLocation="([A-Za-z0-9._-]+\.xsd)"/g, (_m, file: string) => `schemaLocation="${endpoint}?xsd=${file}"`);
}
