import type { Identity } from '../identity/resolver.js';
import type { Scope } from '../pki/certs.js';
import type { Logger } from '../log.js';
import type { XmlObject } from './toObject.js';
import type { OutObject } from './serialize.js';
import type { ServiceVersion } from './registry.js';
import type { XmlElement } from 'libxml2-wasm';

export interface OperationContext {
  requestId: string;
  identity: Identity;
  version: ServiceVersion;
  operation: string;
  /** SOAP header blocks as plain data, keyed by local name. */
  headers: XmlObject;
  /**
   * The validated payload element, for the few handlers that must validate a nested document
   * against another schema (the catalogue's forms). Valid only until the handler's promise settles.
   */
  payload: XmlElement;
  log: Logger;
}

export interface OperationResult {
  body: OutObject;
  /** Response SOAP header blocks, already serialised (services with their own header). */
  headerXml?: string;
}

export type OperationHandler = (input: XmlObject, ctx: OperationContext) => Promise<OperationResult>;

/** The code side of a service: who may call it and one handler per operation (all versions). */
export interface ServiceBinding {
  service: string;
  scopes: Scope[];
  operations: Record<string, OperationHandler>;
  /** Payload elements whose content the handler reads from `ctx.payload` itself (not converted). */
  opaqueElements?: ReadonlySet<string>;
  /** Header blocks this service understands (local names), for soap:mustUnderstand. */
  understoodHeaders?: string[];
  /** Services with their own fault shape (Interop'Fibre) render the detail themselves. */
  faultDetail?: (code: string, message: string) => string;
}
