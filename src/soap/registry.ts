import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchemaFile, type XsdValidator } from './xml.js';
import { WSDL_DIR } from '../paths.js';

export interface OperationSpec {
  /** Local name of the request element in the body (document/literal wrapped). */
  input: string;
  /** Local name of the response element. */
  output: string;
  soapAction: string;
}

/** wsdl/<service>/<version>/manifest.json */
export interface VersionManifest {
  service: string;
  version: string;
  namespace: string;
  /** elementFormDefault of the schema: children namespace-qualified or not. */
  qualified: boolean;
  wsdl: string;
  schema: string;
  status: 'live' | 'retired';
  productionDate: string;
  sunsetDate?: string | null;
  operations: Record<string, OperationSpec>;
}

export interface ServiceVersion extends VersionManifest {
  dir: string;
  validator: XsdValidator;
  /** request element local name -> operation name */
  byInput: Map<string, string>;
}

export class RegistryError extends Error {}

export const MAX_LIVE_VERSIONS = 2;

/**
 * The live versions of every service (article 13: at most two live versions of a Web service).
 * Each version's schema is compiled once here and reused for every request.
 */
export class ServiceRegistry {
  private readonly services = new Map<string, Map<string, ServiceVersion>>();

  add(v: ServiceVersion): void {
    const versions = this.services.get(v.service) ?? new Map<string, ServiceVersion>();
    if (versions.has(v.version)) throw new RegistryError(`${v.service} ${v.version} is already live`);
    if (versions.size >= MAX_LIVE_VERSIONS) {
      throw new RegistryError(
        `${v.service} already has ${MAX_LIVE_VERSIONS} live versions (${[...versions.keys()].join(', ')}): retire one before publishing ${v.version}`,
      );
    }
    versions.set(v.version, v);
    this.services.set(v.service, versions);
  }

  /** Takes a version out (retired); the caller disposes its validator once no request uses it. */
  remove(service: string, version: string): ServiceVersion | undefined {
    const v = this.services.get(service)?.get(version);
    this.services.get(service)?.delete(version);
    return v;
  }

  get(service: string, version: string): ServiceVersion | undefined {
    return this.services.get(service)?.get(version);
  }

  versionsOf(service: string): ServiceVersion[] {
    return [...(this.services.get(service)?.values() ?? [])];
  }

  list(): ServiceVersion[] {
    return [...this.services.values()].flatMap((m) => [...m.values()]).sort((a, b) =>
      a.service === b.service ? a.version.localeCompare(b.version) : a.service.localeCompare(b.service),
    );
  }

  dispose(): void {
    for (const v of this.list()) v.validator.dispose();
    this.services.clear();
  }
}

export function loadVersion(dir: string): ServiceVersion {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as VersionManifest;
  const validator = compileSchemaFile(join(dir, manifest.schema));
  const byInput = new Map(Object.entries(manifest.operations).map(([op, spec]) => [spec.input, op]));
  return { ...manifest, dir, validator, byInput };
}

/** Loads every live version found under wsdl/<service>/<version>/. */
export function loadRegistry(root = WSDL_DIR): ServiceRegistry {
  const registry = new ServiceRegistry();
  for (const service of readdirSync(root).sort()) {
    const sdir = join(root, service);
    if (!statSync(sdir).isDirectory()) continue;
    for (const version of readdirSync(sdir).sort()) {
      const vdir = join(sdir, version);
      if (!existsSync(join(vdir, 'manifest.json'))) continue;
      const manifest = JSON.parse(readFileSync(join(vdir, 'manifest.json'), 'utf8')) as VersionManifest;
      if (manifest.status !== 'live') continue;
      registry.add(loadVersion(vdir));
    }
  }
  return registry;
}
