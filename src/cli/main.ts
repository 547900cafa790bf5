import { loadConfig } from '../config.js';
import { serve } from '../cluster.js';
import { UsageError } from './args.js';
import type { Out } from './commands.js';

const USAGE = `usage: esav [--integration] <command> [flags]    (--integration, or ESAV_MODE=integration: the integration platform's database)
  serve [--integration]                 run the gateway (what npm start runs); --integration: the integration platform
  migrate                               apply database migrations
  operator add --siren <9 digits> --name <name> [--quadrigram <ABCD>] [--email <address> [--role technique|administrateur|commercial]]
  operator contact --siren <siren> --email <address> [--role technique|administrateur|commercial] [--remove] | operator contacts [--siren <siren>]
  prestation add --operator <siren> --id <identifiant> --offer <code> [--ref-pto <ref>] [--end-a <a>] [--end-z <z>]
  operator suspend|resume --siren <siren> --reason <text>
  operator validation --siren <siren> [--record <domain>|all --reason <text>] [--json]   validated domains (production database)
  cert issue --operator <siren> --scope esav|ftth --out <dir> [--days <n>] [--p12 <file> --passphrase-file <file>]
  cert sign --operator <siren> --scope esav|ftth --csr <file> --out <file> [--days <n>]
  cert register --operator <siren> --scope esav|ftth --file <pem> [--renews <sha256>]
  cert revoke --fingerprint <sha256> [--reason <text>]
  cert list [--operator <siren>]
  cert due [--within <days>]
  cert renew --fingerprint <sha256> --out <dir> [--days <n>] [--csr <file>]
  cert sweep                            supersede expired renewed certificates, disable those unused for 6 months
  ca init [--force] | ca list | ca approve --file <ca.pem> | ca unapprove --fingerprint <sha256>
  ca crl --out <file>
  ca rotate | ca reissue --out <dir> | ca retire --fingerprint <sha256> [--force]
  server-cert rotate [--cert <file> --key <file>] [--days <n>]
  audit [--operator <siren>]
  ticket advance <reference> --to <state> [--comment <text>] [--resolution <text>] [--agent <name>]
  ticket comment <reference> <text> [--agent <name>]
  planning technician add --name <n> --zones <insee,...> [--types S,E] [--weekdays 1-5] [--hours 08:00-18:00]
  planning day-off --name <n> --date <YYYY-MM-DD>
  planning load --file <technicians.json>
  planning list [--zone <insee>]
  travaux create <ref> --type TP|DERCO --equipment PM|PMT|PBO|LIENPMPBO --pm <ref> --pm-prestation <ref> [--start <iso>] [--end <iso>]
        [--prestations a,b] [--plugs p,q] [--public oui|non] [--intervention-oc oui|non] [--nature <code>] [--comment <text>] ...
  travaux update <ref> [--state REPLANIFICATION|MAJ|CLOTURE|ANNULE] [--start <iso>] [--end <iso>] [--comment <text>] [--prestations a,b] ...
  travaux close <ref> [--comment <text>] | travaux list [--state <state>] | travaux impacted <ref>
  offer tests --offer <code> [--set T1,T2 | --none]
  offer test-required --offer <code> (--within-hours <n> | --within-minutes <n> | --off)
  volumetry --operator <siren> [--from YYYY-MM-DD] [--to YYYY-MM-DD]
  stats [--operator <siren>] [--from YYYY-MM-DD] [--to YYYY-MM-DD]   article 7 counts per Paris day and operator (default: last 30 days)
  version publish <service> <version> --production-date <YYYY-MM-DD> (--minor|--major) [--sunset <date>] [--notice-date <date>]
  version retire <service> <version> | version list [<service>]
  catalogue publish <YYYY-MM> --production-date <YYYY-MM-DD> (--minor|--major) [--notice-date <date>]
  catalogue retire <YYYY-MM> | catalogue list
  catalogue render --out <dir> [--version <YYYY-MM>] [--no-db]   HTML form mock-ups and a valid sample XML per form
  maintenance add --from <date-time> --to <date-time> --reason <text> [--urgent] | maintenance list | maintenance cancel --id <n>
  ratelimit set (--operator <siren> | --all) (--per-minute <n> | --off) --from <date> | ratelimit list
  outbox list [--status pending|sent|failed|held] [--kind <kind>] [--limit <n>] | outbox retry --id <n> | outbox flush
  soutien list [--state OUVERT|CLOS] [--operator <siren>] | soutien show <reference>
  soutien comment <reference> <text> [--agent <name>] | soutien close <reference> --resolution <text> [--agent <name>]
Settings come from the environment (DATABASE_URL, ESAV_DATA_DIR, ESAV_CERTS_DIR, ESAV_PORT...): see README.md.`;

async function serveCmd(argv: string[]): Promise<void> {
  if (argv.includes('--integration')) process.env.ESAV_MODE = 'integration';
  try {
    await serve(loadConfig());
  } catch (err) {
    // A port already taken is the usual first-start mistake: say which, not a stack.
    const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
    if (e?.code !== 'EADDRINUSE') throw err;
    process.stderr.write(`esav serve: ${e.address}:${e.port} is already in use (another gateway?); choose other ports with ESAV_PORT and ESAV_ADMIN_PORT\n`);
    process.exit(1);
  }
}

export async function run(argv: string[]): Promise<number> {
  const out: Out = (line) => process.stdout.write(line + '\n');
  // Any command can target the integration platform (docs/integration-guide.md).
  const integration = argv.indexOf('--integration');
  if (integration >= 0) {
    argv = argv.filter((_, i) => i !== integration);
    process.env.ESAV_MODE = 'integration';
  }
  if (argv[0] === 'serve') {
    await serveCmd(argv.slice(1));
    return -1;
  }
  const { COMMANDS } = await import('./commandTable.js');
  const three = argv.slice(0, 3).join(' ');
  const two = argv.slice(0, 2).join(' ');
  const key = COMMANDS[three] ? three : COMMANDS[two] ? two : argv[0] ?? '';
  const cmd = COMMANDS[key];
  if (argv.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!cmd) {
    process.stderr.write(`esav: unknown command "${argv.join(' ')}"\n${USAGE}\n`);
    return 2;
  }
  try {
    await cmd(loadConfig(), argv.slice(key.split(' ').length), out);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`esav ${key}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`esav ${key}: ${(err as Error).message}\n`);
    return 1;
  }
}

const code = await run(process.argv.slice(2));
if (code >= 0) process.exit(code);
