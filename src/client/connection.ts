import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import soap from 'soap';

export interface Tls {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

export interface LiveService {
  name: string;
  version: string;
  status: string;
  wsdl: string;
  productionDate?: string;
  sunsetDate?: string | null;
}

/** A SOAP fault as the gateway sends it, whatever the service's fault shape. */
export class FaultError extends Error {
  constructor(
    readonly faultcode: string,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly diagnostics: string[] = [],
  ) {
    super(message);
  }
}

export function readTls(files: { cert: string; key: string; ca: string }): Tls {
  const read = (what: string, f: string) => {
    try {
      return readFileSync(f);
    } catch (err) {
      throw new Error(`cannot read the ${what} ${f}: ${(err as Error).message}`);
    }
  };
  return { cert: read('client certificate', files.cert), key: read('private key', files.key), ca: read('CA file', files.ca) };
}

/** The operator's SIREN as e-SAV certificates carry it (subject serialNumber, CN esav-<scope>-<siren>). */
export function sirenOfCertificate(pem: Buffer): string | undefined {
  const subject = new X509Certificate(pem).subject;
  return /serialNumber=([0-9]{9})/.exec(subject)?.[1] ?? /CN=esav-\w+-([0-9]{9})/.exec(subject)?.[1];
}

/**
 * The operator side of one gateway: mTLS, the live services (GET /ws) and a node-soap client per
 * service built from the WSDL the gateway serves (imports included).
 */
export class Connection {
  private readonly agent: https.Agent;
  private live?: Promise<LiveService[]>;
  private readonly clients = new Map<string, Promise<soap.Client>>();

  constructor(
    readonly base: string,
    readonly tls: Tls,
    private readonly versions: Record<string, string> = {},
  ) {
    this.agent = new https.Agent({ key: tls.key, cert: tls.cert, ca: tls.ca, keepAlive: true });
  }

  services(): Promise<LiveService[]> {
    this.live ??= new Promise((resolve, reject) => {
      https
        .get(`${this.base}/ws`, { agent: this.agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`GET ${this.base}/ws answered ${res.statusCode}: ${body.slice(0, 300)}`));
            try {
              resolve((JSON.parse(body) as { services: LiveService[] }).services);
            } catch {
              reject(new Error(`GET ${this.base}/ws did not answer JSON: ${body.slice(0, 300)}`));
            }
          });
        })
        .on('error', (err) => reject(new Error(`cannot reach ${this.base}: ${err.message}`)));
    });
    return this.live;
  }

  /** The version used for a service: --version, else the newest live one. */
  async version(service: string): Promise<string> {
    const wanted = this.versions[service];
    const live = (await this.services()).filter((s) => s.name === service);
    if (wanted) return wanted;
    if (!live.length) throw new Error(`${this.base} serves no live ${service} service (GET /ws)`);
    return live.map((s) => s.version).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))).at(-1)!;
  }

  client(service: string): Promise<soap.Client> {
    let c = this.clients.get(service);
    if (!c) {
      c = (async () => {
        const version = await this.version(service);
        const client = await soap.createClientAsync(`${this.base}/ws/${service}/${version}?wsdl`, { wsdl_options: { httpsAgent: this.agent }, disableCache: true });
        client.setSecurity(new soap.ClientSSLSecurity(this.tls.key, this.tls.cert, this.tls.ca));
        return client;
      })();
      this.clients.set(service, c);
    }
    return c;
  }

  /** Calls one operation; a SOAP fault comes back as a FaultError with the e-SAV code. */
  async call(service: string, operation: string, args: unknown, headerXml?: string): Promise<Record<string, unknown>> {
    const client = await this.client(service);
    client.clearSoapHeaders();
    if (headerXml) client.addSoapHeader(headerXml);
    const method = (client as unknown as Record<string, (a: unknown) => Promise<[Record<string, unknown>]>>)[`${operation}Async`];
    if (!method) throw new Error(`${service} has no operation ${operation}`);
    try {
      const [result] = await method.call(client, args);
      return result ?? {};
    } catch (err) {
      throw toFault(err);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function toFault(err: unknown): Error {
  const fault = (err as { root?: { Envelope?: { Body?: { Fault?: Record<string, any> } } } }).root?.Envelope?.Body?.Fault;
  if (!fault) return err as Error;
  const faultcode = String(fault.faultcode ?? '');
  const detail = fault.detail ?? {};
  const erreur = detail.erreur;
  if (erreur) {
    const diag = erreur.diagnostic === undefined ? [] : Array.isArray(erreur.diagnostic) ? erreur.diagnostic : [erreur.diagnostic];
    return new FaultError(faultcode, String(erreur.code), String(erreur.message ?? fault.faultstring), erreur.idRequete, diag.map((d: unknown) => (typeof d === 'object' && d ? String((d as Record<string, unknown>).$value ?? JSON.stringify(d)) : String(d))));
  }
  // Interop'Fibre shapes: "[CODE] message" (rdv-ftth), "CODE : message" (travaux-ftth).
  const text = String(detail.InfoErreurType?.messageErreur ?? detail.infoFtthError?.messageRetour ?? fault.faultstring ?? '');
  const m = /^\[([A-Z_]+)\]\s*(.*)$/s.exec(text) ?? /^([A-Z_]+) : (.*)$/s.exec(text);
  return new FaultError(faultcode, m?.[1] ?? 'INCONNU', m?.[2] ?? text);
}
