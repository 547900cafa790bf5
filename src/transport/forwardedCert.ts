import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { clientFault } from '../soap/faults.js';
import { fingerprintOf, hasClientAuth } from '../pki/certs.js';
import type { PeerInfo } from '../identity/resolver.js';

/**
 * Scale-out behind a TLS-terminating proxy (off unless ESAV_TRUSTED_PROXIES is set): the proxy
 * verifies the operator's certificate and forwards it in a header, the way Envoy's
 * x-forwarded-client-cert (`Cert="<url-encoded PEM>"`) or nginx's `$ssl_client_escaped_cert`
 * (url-encoded PEM) do. The gateway takes it only from the configured proxy addresses, checks it
 * again (chain to a trusted CA, dates) and resolves the caller from it. The header from any other
 * source is refused, never ignored: a caller must not be able to claim another certificate.
 */
export interface ProxyTrust {
  addresses: Set<string>;
  header: string;
  cas(): X509Certificate[];
}

function normaliseAddress(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

/** The PEM inside the header value (Envoy XFCC element, or a url-encoded PEM). */
export function forwardedPem(value: string): string | undefined {
  const xfcc = /(?:^|[;,])\s*Cert="([^"]+)"/i.exec(value);
  const raw = decodeURIComponent(xfcc ? xfcc[1]! : value);
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(raw);
  return m?.[0];
}

/** The forwarded certificate of this request as a peer, or undefined when none is forwarded. */
export function forwardedPeer(req: IncomingMessage, trust: ProxyTrust | undefined, now: Date): PeerInfo | undefined {
  const value = trust ? req.headers[trust.header] : req.headers['x-forwarded-client-cert'] ?? req.headers['x-ssl-client-cert'];
  if (value === undefined) return undefined;
  const source = normaliseAddress(req.socket.remoteAddress);
  if (!trust || !trust.addresses.has(source)) {
    throw clientFault('PROXY_NON_AUTORISE', `Un certificat transmis par en-tête n'est accepté que d'un mandataire de confiance ; ${source} n'en est pas un. Présentez votre certificat dans la poignée de main TLS.`);
  }
  const pem = forwardedPem(String(value));
  let cert: X509Certificate;
  try {
    if (!pem) throw new Error('no PEM');
    cert = new X509Certificate(pem);
  } catch {
    throw clientFault('CERTIFICAT_TRANSMIS_INVALIDE', `L'en-tête ${trust.header} ne contient pas de certificat lisible.`);
  }
  const issuer = trust.cas().find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer) throw clientFault('CERTIFICAT_TRANSMIS_INVALIDE', 'Le certificat transmis n\'est pas signé par une autorité reconnue par le Fournisseur.');
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    throw clientFault('CERTIFICAT_TRANSMIS_INVALIDE', 'Le certificat transmis est hors de sa période de validité.');
  }
  return { fingerprint: fingerprintOf(cert), clientAuth: hasClientAuth(cert) };
}
