import { readFileSync } from 'node:fs';
import type { Connection } from './connection.js';

/** A bad command line: printed with what to fix, exit code 2. */
export class UsageError extends Error {}

export type Opts = Record<string, string | boolean | undefined>;

export interface ClientCommand {
  /** The service it calls (for --version), if any. */
  service?: string;
  options: string[];
  usage: string;
  run(conn: Connection, o: Opts, ctx: { siren?: string; providerSiren: string }): Promise<unknown>;
}

function need(o: Opts, name: string, hint: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required: ${hint}`);
  return v;
}

function date(o: Opts, name: string): Date | undefined {
  const v = o[name];
  if (typeof v !== 'string') return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name}: expected a date or date-time (ISO 8601, e.g. 2026-12-01 or 2026-12-01T08:00:00+01:00), got "${v}"`);
  return d;
}

/**
 * A catalogue form file: the `formulaire` element with its `catalogue` and `code` attributes and
 * the form element inside (docs/integration-guide.md has one per offer). node-soap sends the
 * inner element as is; namespace declarations made on `formulaire` are carried over onto it.
 */
export function readForm(file: string): { attributes: { catalogue: string; code: string }; $xml: string } {
  let xml: string;
  try {
    xml = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--form: cannot read ${file}: ${(err as Error).message}`);
  }
  const m = /<(?:[\w.-]+:)?formulaire\b([^>]*)>([\s\S]*)<\/(?:[\w.-]+:)?formulaire>\s*$/.exec(xml.replace(/<\?xml[^>]*\?>/, '').trim());
  if (!m) throw new UsageError(`--form: ${file} must hold a <formulaire catalogue="..." code="..."> element with the form inside`);
  const attrs = m[1]!;
  const catalogue = /\bcatalogue="([^"]+)"/.exec(attrs)?.[1];
  const code = /\bcode="([^"]+)"/.exec(attrs)?.[1];
  if (!catalogue || !code) throw new UsageError(`--form: the formulaire element of ${file} needs its catalogue and code attributes`);
  const xmlns = (attrs.match(/\sxmlns(?::[\w.-]+)?="[^"]*"/g) ?? []).join('');
  const inner = m[2]!.trim().replace(/^<([\w.:-]+)/, (open) => `${open}${xmlns}`);
  return { attributes: { catalogue, code }, $xml: inner };
}

function entete(ctx: { siren?: string; providerSiren: string }): string {
  if (!ctx.siren) throw new UsageError('--siren is required: the certificate does not carry the operator\'s SIREN (sirenOC of the EnteteType header)');
  return `<tns:EnteteType xmlns:tns="http://interop-fibre.fr"><versionWS>5.0</versionWS><horodatageRequete>${new Date().toISOString()}</horodatageRequete><sirenOC>${ctx.siren}</sirenOC><sirenOI>${ctx.providerSiren}</sirenOI></tns:EnteteType>`;
}

/** Polls until `state(answer)` is one of `--wait`'s states; the last answer is the result. */
async function waitFor(o: Opts, fetch: () => Promise<Record<string, unknown>>, state: (r: Record<string, unknown>) => string): Promise<unknown> {
  const wanted = typeof o.wait === 'string' ? o.wait.split(',').map((s) => s.trim()) : undefined;
  let r = await fetch();
  if (!wanted) return r;
  const timeout = Number(o.timeout ?? 60);
  const every = Number(o.every ?? 1);
  if (!(timeout > 0) || !(every > 0)) throw new UsageError('--timeout and --every are seconds (> 0)');
  const deadline = Date.now() + timeout * 1000;
  while (!wanted.includes(state(r))) {
    if (Date.now() > deadline) throw new WaitTimeout(`still ${state(r)} after ${timeout} s (waiting for ${wanted.join(' or ')})`, r);
    await new Promise((res) => setTimeout(res, every * 1000));
    r = await fetch();
  }
  return r;
}

export class WaitTimeout extends Error {
  constructor(message: string, readonly last: unknown) {
    super(message);
  }
}


export const COMMANDS: Record<string, ClientCommand> = {
  services: {
    options: [],
    usage: 'services                                   live services, versions and WSDL addresses (GET /ws)',
    run: async (conn) => ({ service: (await conn.services()).map((s) => ({ name: s.name, version: s.version, status: s.status, wsdl: s.wsdl, productionDate: s.productionDate, sunsetDate: s.sunsetDate ?? undefined })) }),
  },
  deposit: {
    service: 'signalisation',
    options: ['prestation', 'ref', 'form', 'fault', 'label', 'comment', 'appointment', 'context', 'contact-name', 'contact-phone'],
    usage: 'deposit --prestation <id> [--ref <your reference>] [--form <file.xml>] [--fault <code>] [--label <text>] [--comment <text>]\n          [--appointment <idRendezVous>] [--context PAS_DE_PLAGES_DISPONIBLES] [--contact-name <n> --contact-phone <p> (v2)]',
    run: (conn, o) =>
      conn.call('signalisation', 'deposerSignalisation', {
        identifiantPrestation: need(o, 'prestation', 'the identifiant de prestation'),
        ...(o.ref ? { referenceExterne: o.ref } : {}),
        ...(o.form ? { formulaire: readForm(String(o.form)) } : {}),
        defautDeclare: { code: o.fault ?? 'COUPURE', libelle: o.label ?? 'Coupure totale du service' },
        ...(o.comment ? { commentaire: o.comment } : {}),
        ...(o.appointment ? { idRendezVous: o.appointment } : {}),
        ...(o.context ? { contexte: o.context } : {}),
        ...(o['contact-name'] ? { contactSurSite: { nom: o['contact-name'], telephone: o['contact-phone'] ?? '' } } : {}),
      }),
  },
  state: {
    service: 'signalisation',
    options: ['reference', 'wait', 'timeout', 'every'],
    usage: 'state --reference <ref> [--wait <STATE>[,<STATE>] [--timeout <s>] [--every <s>]]   the state; --wait polls until it is reached',
    run: (conn, o) => {
      const ref = need(o, 'reference', 'the referenceSignalisation');
      return waitFor(o, () => conn.call('signalisation', 'consulterEtatSignalisation', { referenceSignalisation: ref }), (r) => String(r.etat));
    },
  },
  detail: {
    service: 'signalisation',
    options: ['reference'],
    usage: 'detail --reference <ref>                   the ticket, its history, SAV comments and your complements',
    run: (conn, o) => conn.call('signalisation', 'consulterDetailSignalisation', { referenceSignalisation: need(o, 'reference', 'the referenceSignalisation') }),
  },
  complete: {
    service: 'signalisation',
    options: ['reference', 'text'],
    usage: 'complete --reference <ref> --text <text>   add information to an open ticket (answers a GELE one)',
    run: (conn, o) => conn.call('signalisation', 'completerSignalisation', { referenceSignalisation: need(o, 'reference', 'the referenceSignalisation'), complement: need(o, 'text', 'the complement') }),
  },
  search: {
    service: 'signalisation',
    options: ['state', 'prestation', 'from', 'to', 'page', 'page-size'],
    usage: 'search [--state <STATE>[,...]] [--prestation <id>] [--from <date>] [--to <date>] [--page <n>] [--page-size <n>]',
    run: (conn, o) => {
      const from = date(o, 'from');
      const to = date(o, 'to');
      return conn.call('signalisation', 'rechercherSignalisations', {
        ...(o.state ? { etat: String(o.state).split(',') } : {}),
        ...(o.prestation ? { identifiantPrestation: o.prestation } : {}),
        ...(from || to ? { periodeDepot: { ...(from ? { debut: from.toISOString() } : {}), ...(to ? { fin: to.toISOString() } : {}) } } : {}),
        ...(o.page ? { page: o.page } : {}),
        ...(o['page-size'] ? { taillePage: o['page-size'] } : {}),
      });
    },
  },
  history: {
    service: 'signalisation',
    options: ['reference', 'prestation', 'from', 'to'],
    usage: 'history (--reference <ref> | --prestation <id> [--from <date> --to <date>] | --from <date> --to <date>)   closed tickets, 90 days',
    run: (conn, o) => {
      const from = date(o, 'from');
      const to = date(o, 'to');
      const period = from || to ? { periodeCloture: { ...(from ? { debut: from.toISOString() } : {}), ...(to ? { fin: to.toISOString() } : {}) } } : {};
      const args = o.reference ? { referenceSignalisation: o.reference } : o.prestation ? { identifiantPrestation: o.prestation, ...period } : period;
      return conn.call('signalisation', 'consulterHistoriqueSignalisations', args);
    },
  },
  slots: {
    service: 'rdv-ftth',
    options: ['zone', 'from', 'to', 'type', 'defect', 'segment'],
    usage: 'slots --zone <insee> --from <date> --to <date> [--type S|E] [--defect PBO|PTO|PM|...] [--segment GP|ENTREPRISE|OPERATEUR]   free FTTH appointment slots',
    run: async (conn, o, ctx) => {
      const from = date(o, 'from') ?? (() => { throw new UsageError('--from is required: the start of the search window'); })();
      const to = date(o, 'to') ?? (() => { throw new UsageError('--to is required: the end of the search window (31 days at most)'); })();
      return conn.call('rdv-ftth', 'rechercheCreneauxLibres', {
        typeIntervention: o.type ?? 'S', natureProduit: 'FTTH_ACCES', segmentMarche: o.segment ?? 'GP', codeInsee: need(o, 'zone', 'the INSEE code of the zone'),
        dateDebut: from.toISOString(), dateFin: to.toISOString(), defectPrelocalization: o.defect ?? 'PBO',
      }, entete(ctx));
    },
  },
  book: {
    service: 'rdv-ftth',
    options: ['slot', 'zone', 'segment'],
    usage: 'book --slot <idOI> --zone <insee> [--segment GP]   reserve a slot of your last search (10 minutes)',
    run: (conn, o, ctx) =>
      conn.call('rdv-ftth', 'reservationCreneau', { natureProduit: 'FTTH_ACCES', segmentMarche: o.segment ?? 'GP', codeInsee: need(o, 'zone', 'the INSEE code searched'), idCreneau: need(o, 'slot', 'an idOI of your search') }, entete(ctx)),
  },
  appointment: {
    service: 'rdv-ftth',
    options: ['id'],
    usage: 'appointment --id <idRendezVous>            an FTTH appointment',
    run: (conn, o, ctx) => conn.call('rdv-ftth', 'consultationRdv', { idRendezVous: need(o, 'id', 'the idRendezVous') }, entete(ctx)),
  },
  'test list': {
    service: 'test',
    options: ['prestation'],
    usage: 'test list --prestation <id>                the remote tests open for the prestation',
    run: (conn, o) => conn.call('test', 'listerTestsDisponibles', { identifiantPrestation: need(o, 'prestation', 'the identifiant de prestation') }),
  },
  'test launch': {
    service: 'test',
    options: ['prestation', 'type', 'ref'],
    usage: 'test launch --prestation <id> --type <TYPE> [--ref <your reference>]   launch a remote test (answers at once: idTest)',
    run: (conn, o) =>
      conn.call('test', 'lancerTest', { identifiantPrestation: need(o, 'prestation', 'the identifiant de prestation'), typeTest: need(o, 'type', 'ETAT_SERVICE, ETAT_LIGNE_OPTIQUE, ETAT_SESSION, REINIT_PORT or TRAVAUX_INCIDENTS'), ...(o.ref ? { referenceExterne: o.ref } : {}) }),
  },
  'test result': {
    service: 'test',
    options: ['id', 'wait', 'timeout', 'every'],
    usage: 'test result --id <idTest> [--wait TERMINE,ECHEC [--timeout <s>]]   the test\'s state and result',
    run: (conn, o) => {
      const id = need(o, 'id', 'the idTest lancerTest answered');
      return waitFor(o, () => conn.call('test', 'consulterResultatTest', { idTest: id }), (r) => String(r.etat));
    },
  },
  'test works': {
    service: 'test',
    options: ['prestation', 'from', 'to'],
    usage: 'test works --prestation <id> [--from <date>] [--to <date>]   planned works and incidents on the prestation',
    run: (conn, o) => {
      const from = date(o, 'from');
      const to = date(o, 'to');
      return conn.call('test', 'consulterTravauxIncidents', { identifiantPrestation: need(o, 'prestation', 'the identifiant de prestation'), ...(from || to ? { periode: { ...(from ? { debut: from.toISOString() } : {}), ...(to ? { fin: to.toISOString() } : {}) } } : {}) });
    },
  },
  works: {
    service: 'travaux-ftth',
    options: ['reference', 'prestation'],
    usage: 'works [--reference <TP/DERCO>] [--prestation <id>]   Interop\'Fibre infoTravauxFTTH (ftth certificate)',
    run: (conn, o) =>
      conn.call('travaux-ftth', 'getInfoTravauxFTTH', { ...(o.reference ? { referenceTPDERCO: o.reference } : {}), ...(o.prestation ? { referencePrestationPriseImpactee: o.prestation } : {}) }),
  },
};
