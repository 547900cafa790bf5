/**
 * A broken business rule. Domain code throws it with a stable code; the SOAP edge turns it into
 * a Client fault carrying that code (or a Server fault when `server` is set). Domain code knows
 * nothing of SOAP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly server = false,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
