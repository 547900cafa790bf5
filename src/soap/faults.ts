/**
 * The single fault type of the gateway. Domain and edge code throw it (or a DomainError that the
 * edge maps to it); the pipeline turns it into a SOAP 1.1 Fault with HTTP 500 (WS-I BP 1.1).
 * `code` is the stable, documented code an integrator's system can branch on.
 */
export type FaultKind = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';

export interface FaultDiagnostic {
  line?: number;
  column?: number;
  path?: string;
  message: string;
}

export class SoapFault extends Error {
  constructor(
    readonly kind: FaultKind,
    readonly code: string,
    message: string,
    readonly diagnostics: FaultDiagnostic[] = [],
    /** Extra response headers, e.g. Retry-After. */
    readonly httpHeaders: Record<string, string> = {},
    /** Close the connection after answering (the body was not read to its end). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}

export const clientFault = (code: string, message: string, diagnostics: FaultDiagnostic[] = []) =>
  new SoapFault('Client', code, message, diagnostics);

export const serverFault = (code: string, message: string) => new SoapFault('Server', code, message);

/** Namespace of the `erreur` detail element, shared by every e-SAV service. */
export const FAULT_NS = 'urn:fr:esav:erreur:v1';
