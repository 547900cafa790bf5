/**
 * The contract's domains of application (article 5.2.1: "signalisation et/ou test") and the
 * services of each. The FTTH services follow their e-SAV domain: an appointment (rdv-ftth) serves
 * a signalisation; works information (travaux-ftth) is what e-SAV Test's consulterTravauxIncidents
 * also gives.
 */
export const DOMAINS = ['signalisation', 'test'] as const;
export type Domain = (typeof DOMAINS)[number];

export const SERVICE_DOMAINS: Readonly<Record<string, Domain>> = {
  signalisation: 'signalisation',
  'rdv-ftth': 'signalisation',
  test: 'test',
  'travaux-ftth': 'test',
};

export function domainOf(service: string): Domain | undefined {
  return Object.prototype.hasOwnProperty.call(SERVICE_DOMAINS, service) ? SERVICE_DOMAINS[service] : undefined;
}

export function isDomain(v: string): v is Domain {
  return (DOMAINS as readonly string[]).includes(v);
}

export function servicesOf(domain: Domain): string[] {
  return Object.entries(SERVICE_DOMAINS).filter(([, d]) => d === domain).map(([s]) => s);
}
