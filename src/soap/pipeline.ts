import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { XmlElement } from 'libxml2-wasm';
import type { Identity, IdentityResolver } from '../identity/resolver.js';
import type { AccessLogger, Logger, SoapCallLine } from '../log.js';
import { DomainError } from '../domain/errors.js';
import { bufferedBody, readBody } from '../guards/body.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { forwardedPeer, type ProxyTrust } from '../transport/forwardedCert.js';
import { assertSafeXml, assertSoapContentType } from '../guards/xmlSafety.js';
import { clientFault, SoapFault, serverFault } from './faults.js';
import { envelope, envelopeParts, faultXml, SOAP11_NS } from './envelope.js';
import { parseRequest, validateElement, type ParsedRequest } from './xml.js';
import { toObject, type XmlObject } from './toObject.js';
import { serializeElement } from './serialize.js';
import { attrValue } from './treeReader.js';
import type { ServiceRegistry, ServiceVersion } from './registry.js';
import type { ServiceBinding } from './binding.js';

export interface PipelineDeps {
  registry: ServiceRegistry;
  bindings: Map<string, ServiceBinding>;
  identity: IdentityResolver;
  log: Logger;
  maxBodyBytes: number;
  /** Maintenance windows, version lifecycle, rate limits (each returns or throws a fault). */
  guards?: PipelineGuards;
  /** Where the one line per call goes (defaults to `log`). */
  accessLog?: AccessLogger;
  /** Trusted TLS-terminating proxies forwarding the client certificate (off when undefined). */
  proxy?: ProxyTrust;
  /** Told of every call once its answer is built (metrics, volumetry): must stay cheap. */
  observe?(call: CallRecord): void;
}

/** One call as metrics see it. */
export interface CallRecord {
  service: string;
  version: string;
  /** Unset when the call failed before its operation was known. */
  operation: string | undefined;
  siren: string | undefined;
  /** The fault code answered; unset for an answer. */
  fault: string | undefined;
  seconds: number;
}

/** Guards that run before parsing, plus the evolution notices added to answers. */
export interface PipelineGuards {
  /** During a maintenance window: Server fault with the planned end. */
  maintenance?(): void;
  /** Retired or past its sunset: fault naming the current version; else the avisEvolution header, if any. */
  version?(service: string, version: string): string | undefined;
  /** The operator's requests per minute, when a limit is in force: Client fault with the moment to retry. */
  rateLimit?(identity: Identity): void | Promise<void>;
  /** avisEvolution header for the form catalogue the payload names, when it has a sunset. */
  catalogueNotice?(payload: XmlElement): string | undefined;
  /** Production: the operator validated the service's domain (article 5.2.1); in memory when cached. */
  validation?(identity: Identity, service: string): void | Promise<void>;
  /** Integration platform: a call answered without fault (records the operator's validation). */
  succeeded?(identity: Identity, call: { service: string; version: string; operation: string; requestId: string }): void | Promise<void>;
}

export interface SoapReply {
  status: number;
  body: string;
  headers: Record<string, string>;
  close: boolean;
}

interface Trace {
  requestId: string;
  identity?: Identity;
  service: string;
  version: string;
  operation?: string;
  /** Response header blocks the guards asked for (avisEvolution). */
  notices?: string;
}

/**
 * One SOAP call, one pass, in order (compare Apache CXF's phases):
 *   RECEIVE     maintenance window (Server fault), route -> live version, version past its sunset
 *               (fault naming the current one), caller identity from the client certificate, scope,
 *               operator's rate limit (Client fault)
 *   READ        body under the size cap (also after gzip)
 *   PROTOCOL    text/xml, no DOCTYPE/ENTITY, UTF-8
 *   UNMARSHAL   parse once (libxml2), SOAP 1.1 envelope shape, mustUnderstand headers
 *   LOGICAL     payload namespace = this version, validate payload and headers against its XSD
 *   PRE_INVOKE  operation from the payload root QName, SOAPAction agrees
 *   INVOKE      handler with plain objects; domain errors become faults with their code
 *   SEND        response element (or fault) with avisEvolution headers (sunset), metrics, one log line
 */
export async function processSoap(deps: PipelineDeps, req: IncomingMessage, service: string, version: string): Promise<SoapReply> {
  const started = process.hrtime.bigint();
  const trace: Trace = { requestId: randomUUID(), service, version };
  let reply: SoapReply;
  let outcome = 'ok';
  let binding: ServiceBinding | undefined;
  try {
    deps.guards?.maintenance?.();
    trace.notices = deps.guards?.version?.(service, version);
    const sv = deps.registry.get(service, version);
    binding = deps.bindings.get(service);
    if (!sv || !binding) throw unknownVersion(deps.registry, service, version);

    const forwarded = forwardedPeer(req, deps.proxy, new Date());
    // Known certificates are checked at once; the first call of one waits for its row.
    trace.identity = forwarded
      ? (deps.identity.resolvePeerNow(forwarded) ?? (await deps.identity.resolvePeer(forwarded)))
      : (deps.identity.resolveNow(req.socket as TLSSocket) ?? (await deps.identity.resolve(req.socket as TLSSocket)));
    if (!binding.scopes.includes(trace.identity.scope)) {
      throw clientFault('PERIMETRE_CERTIFICAT', `Ce service exige un certificat de périmètre ${binding.scopes.join(' ou ')} ; le certificat présenté est de périmètre ${trace.identity.scope}.`);
    }
    const validated = deps.guards?.validation?.(trace.identity, service);
    if (validated) await validated;
    const limited = deps.guards?.rateLimit?.(trace.identity);
    if (limited) await limited;

    assertSoapContentType(req.headers['content-type']);
    const body = bufferedBody(req, deps.maxBodyBytes) ?? (await readBody(req, deps.maxBodyBytes));
    assertSafeXml(body);

    const doc = parseRequest(body);
    try {
      reply = await invoke(deps, sv, binding, doc, req, trace);
    } finally {
      doc.dispose();
    }
    if (deps.guards?.succeeded) await deps.guards.succeeded(trace.identity, { service, version, operation: trace.operation ?? '', requestId: trace.requestId });
  } catch (err) {
    const fault = toFault(err, trace, deps.log);
    outcome = fault.code;
    reply = {
      status: 500,
      body: faultXml(fault.kind, fault.code, fault.message, trace.requestId, fault.diagnostics, binding?.faultDetail?.(fault.code, fault.message)),
      headers: fault.httpHeaders,
      close: fault.closeConnection,
    };
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.observe?.({ service, version, operation: trace.operation, siren: trace.identity?.siren, fault: outcome === 'ok' ? undefined : outcome, seconds });
  const line: SoapCallLine = {
    requestId: trace.requestId,
    siren: trace.identity?.siren,
    fingerprint: trace.identity?.fingerprint,
    service,
    version,
    operation: trace.operation,
    outcome,
    status: reply.status,
    ms: seconds * 1000,
  };
  if (deps.accessLog) deps.accessLog.soapCall(line);
  else deps.log.info(line, 'soap');
  reply.headers['X-Request-Id'] = trace.requestId;
  return reply;
}

async function invoke(deps: PipelineDeps, sv: ServiceVersion, binding: ServiceBinding, doc: ParsedRequest, req: IncomingMessage, trace: Trace): Promise<SoapReply> {
  const { headers, payload } = envelopeParts(doc);

  const headerData: XmlObject = {};
  const understood = binding.understoodHeaders ?? [];
  for (const h of headers) {
    if (!understood.includes(h.name)) {
      const mu = attrValue(h, 'mustUnderstand', SOAP11_NS);
      if (mu === '1' || mu === 'true') {
        throw new SoapFault('MustUnderstand', 'ENTETE_NON_COMPRISE', `L'en-tête {${h.namespaceUri}}${h.name} est marqué mustUnderstand mais n'est pas pris en charge par ce service.`);
      }
      continue;
    }
    if (h.namespaceUri === sv.namespace) validateElement(sv.validator, h, `L'en-tête ${h.name}`);
    headerData[h.name] = toObject(h);
  }

  if (payload.namespaceUri !== sv.namespace) throw wrongNamespace(deps.registry, sv, payload.namespaceUri, payload.name);
  const operation = sv.byInput.get(payload.name);
  if (!operation) {
    throw clientFault('OPERATION_INCONNUE', `Opération inconnue : ${payload.name}. Opérations de ${sv.service} ${sv.version} : ${Object.keys(sv.operations).join(', ')}.`);
  }
  trace.operation = operation;
  const spec = sv.operations[operation]!;
  checkSoapAction(req.headers['soapaction'], spec.soapAction);
  validateElement(sv.validator, payload, `La requête ${payload.name}`);

  const handler = binding.operations[operation];
  if (!handler) throw serverFault('OPERATION_NON_IMPLEMENTEE', `L'opération ${operation} n'est pas disponible sur cette plate-forme.`);
  const input = toObject(payload, binding.opaqueElements);
  const notices = (trace.notices ?? '') + (deps.guards?.catalogueNotice?.(payload) ?? '');
  const result = await handler(typeof input === 'string' ? {} : (input as XmlObject), {
    requestId: trace.requestId,
    identity: trace.identity!,
    version: sv,
    operation,
    headers: headerData,
    payload,
    log: deps.log,
  });
  return {
    status: 200,
    body: envelope(serializeElement(spec.output, sv.namespace, result.body, sv.qualified), (result.headerXml ?? '') + notices),
    headers: {},
    close: false,
  };
}

function checkSoapAction(header: string | string[] | undefined, expected: string): void {
  // The usual forms first: quoted, as WS-I asks, bare, or empty.
  if (header === `"${expected}"` || header === expected || header === '""') return;
  if (header === undefined) {
    throw clientFault('SOAPACTION_ABSENTE', `L'en-tête HTTP SOAPAction est obligatoire en SOAP 1.1 ; attendu : "${expected}".`);
  }
  const value = String(header).trim().replace(/^"(.*)"$/, '$1');
  // An empty SOAPAction ("") leaves the intent to the body (WS-I BP 1.1 R2744 allows it).
  if (value !== '' && value !== expected) {
    throw clientFault('SOAPACTION_INCORRECTE', `SOAPAction "${value}" ne correspond pas à l'opération du message ; attendu : "${expected}".`);
  }
}

function unknownVersion(registry: ServiceRegistry, service: string, version: string): SoapFault {
  const live = registry.versionsOf(service).map((v) => v.version);
  if (live.length === 0) {
    const lower = service.toLowerCase();
    const hint = lower !== service && registry.versionsOf(lower).length > 0 ? ` Les noms de service s'écrivent en minuscules : /ws/${lower}/${version.toLowerCase()}.` : '';
    return clientFault('SERVICE_INCONNU', `Service inconnu : ${service}.${hint} Voir GET /ws pour la liste des services.`);
  }
  return clientFault('VERSION_INCONNUE', `La version ${version} du service ${service} n'est pas en production ; versions en production : ${live.join(', ')}.`);
}

function wrongNamespace(registry: ServiceRegistry, sv: ServiceVersion, ns: string, name: string): SoapFault {
  const other = registry.versionsOf(sv.service).find((v) => v.namespace === ns);
  if (other) {
    return clientFault('VERSION_INCORRECTE', `Le message ${name} est un message ${sv.service} ${other.version} (${ns}) envoyé au point d'accès ${sv.version} : envoyez-le à /ws/${sv.service}/${other.version} ou migrez-le vers ${sv.namespace}.`);
  }
  return clientFault('ESPACE_DE_NOMS_INCORRECT', `L'élément ${name} est dans l'espace de noms "${ns}" ; ${sv.service} ${sv.version} attend "${sv.namespace}".`);
}

function toFault(err: unknown, trace: Trace, log: Logger): SoapFault {
  if (err instanceof SoapFault) return err;
  if (err instanceof DomainError) {
    const headers: Record<string, string> = err.retryAfterSeconds ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
    return new SoapFault(err.server ? 'Server' : 'Client', err.code, err.message, [], headers);
  }
  const dbDown = isDatabaseUnavailable(err);
  // Ours, not the caller's: log the stack, answer with the request id only. A database outage
  // fails every call the same way: one warning line per 10 s with the count, not a stack each.
  if (dbDown) outageLog.note(log, trace.requestId, err);
  else log.error({ requestId: trace.requestId, err }, 'unexpected error');
  return dbDown
    ? new SoapFault('Server', 'SERVICE_INDISPONIBLE', `Le service est momentanément indisponible ; réessayez plus tard (requête ${trace.requestId}).`, [], { 'Retry-After': '5' })
    : new SoapFault('Server', 'ERREUR_INTERNE', `Erreur interne du service (requête ${trace.requestId}) ; contactez e-soutien avec cet identifiant.`);
}

/** Database-unavailable faults, logged once per interval with how many were answered meanwhile. */
export class OutageLog {
  private last = -Infinity;
  private suppressed = 0;

  constructor(private readonly intervalMs = 10_000, private readonly now = () => Date.now()) {}

  note(log: Pick<Logger, 'warn'>, requestId: string, err: unknown): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const e = err as { code?: string; message?: string };
    log.warn({ requestId, code: e?.code, error: e?.message, faultsSinceLastLine: this.suppressed }, 'database unavailable: calls answered SERVICE_INDISPONIBLE');
    this.last = t;
    this.suppressed = 0;
  }
}
const outageLog = new OutageLog();
