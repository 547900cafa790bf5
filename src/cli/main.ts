import { loadConfig } from '../config.js';
import { serve } from '../cluster.js';
import { certIssue, certList, certRevoke, migrateCmd, operatorAdd, prestationAdd, type Out } from './commands.js';
import { UsageError } from './args.js';
import { ticketAdvance, ticketComment } from './tickets.js';

type Command = (config: ReturnType<typeof loadConfig>, argv: string[], out: Out) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  migrate: migrateCmd,
  'operator add': operatorAdd,
  'prestation add': prestationAdd,
  'cert issue': certIssue,
  'cert revoke': certRevoke,
  'cert list': certList,
  'ticket advance': ticketAdvance,
  'ticket comment': ticketComment,
};

const USAGE = `usage: esav <command> [flags]
  serve [--integration]                 run the gateway (what npm start runs)
  migrate                               apply database migrations
  operator add --siren <9 digits> --name <name> [--quadrigram <ABCD>]
  prestation add --operator <siren> --id <identifiant> --offer <code> [--ref-pto <ref>] [--end-a <a>] [--end-z <z>]
  cert issue --operator <siren> --scope esav|ftth --out <dir> [--days <n>]
  cert revoke --fingerprint <sha256> [--reason <text>]
  cert list [--operator <siren>]
  ticket advance <reference> --to <state> [--comment <text>] [--resolution <text>] [--agent <name>]
  ticket comment <reference> <text> [--agent <name>]
Settings come from the environment (DATABASE_URL, ESAV_DATA_DIR, ESAV_CERTS_DIR, ESAV_PORT...): see README.md.`;

async function serveCmd(argv: string[]): Promise<void> {
  if (argv.includes('--integration')) process.env.ESAV_MODE = 'integration';
  await serve(loadConfig());
}

export async function run(argv: string[]): Promise<number> {
  const out: Out = (line) => process.stdout.write(line + '\n');
  if (argv[0] === 'serve') {
    await serveCmd(argv.slice(1));
    return -1;
  }
  const two = argv.slice(0, 2).join(' ');
  const key = COMMANDS[two] ? two : argv[0] ?? '';
  const cmd: Command | undefined = COMMANDS[key];
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
