import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { Connection, FaultError, readTls, sirenOfCertificate } from './connection.js';
import { COMMANDS, UsageError, WaitTimeout, type Opts } from './commands.js';
import { asText, pick, render } from './output.js';

/** Exit codes: what a test campaign's script can branch on. */
export const EXIT = { ok: 0, error: 1, usage: 2, fault: 3, expectation: 4, timeout: 5 } as const;

const GLOBAL: Record<string, 'string' | 'boolean'> = {
  url: 'string', creds: 'string', cert: 'string', key: 'string', ca: 'string', version: 'string',
  json: 'boolean', get: 'string', 'expect-fault': 'string', siren: 'string', 'provider-siren': 'string', help: 'boolean',
};

const USAGE = `usage: esav-client [options] <command> [flags]
The operator side of e-SAV, for an integration campaign: calls the gateway's SOAP services with a
node-soap client built from the WSDL it serves, over mutual TLS.

options (before or after the command):
  --url <https://host:port>      the gateway (default $ESAV_CLIENT_URL, else https://localhost:8444, the integration platform)
  --creds <dir>                  client.crt, client.key and ca.crt as esav cert issue --out wrote them (default $ESAV_CLIENT_CREDS)
  --cert <f> --key <f> --ca <f>  or each file
  --version <vN>                 the service version (default: the newest live one, GET /ws)
  --json                         the answer as JSON
  --get <field>                  print only this field of the answer (e.g. referenceSignalisation, idTest, listeCreneau.occCreneau.0.idOI)
  --expect-fault <CODE>          succeed (exit 0) only if the call answers this fault code
  --siren <siren>                sirenOC of the Interop'Fibre header (default: from the certificate)
  --provider-siren <siren>       sirenOI (default 411111112)

commands:
${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}

exit codes: 0 ok, 1 transport or other error, 2 bad command line, 3 SOAP fault, 4 --expect-fault not met, 5 --wait timed out.
A fault is printed on stderr as: fault <faultcode> <CODE>: <message> (idRequete <id>).`;

interface Io {
  out(line: string): void;
  err(line: string): void;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') }): Promise<number> {
  const all: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [k, type] of Object.entries(GLOBAL)) all[k] = { type };
  for (const c of Object.values(COMMANDS)) for (const k of c.options) all[k] ??= { type: 'string' };
  let values: Opts;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true }) as { values: Opts; positionals: string[] });
  } catch (err) {
    io.err(`esav-client: ${(err as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const name = COMMANDS[positionals.slice(0, 2).join(' ')] ? positionals.slice(0, 2).join(' ') : positionals[0]!;
  const cmd = COMMANDS[name];
  if (!cmd || positionals.length > name.split(' ').length) {
    io.err(`esav-client: unknown command "${positionals.join(' ')}"\n${USAGE}`);
    return EXIT.usage;
  }
  const stray = Object.keys(values).filter((k) => !(k in GLOBAL) && !cmd.options.includes(k));
  if (stray.length) {
    io.err(`esav-client ${name}: ${stray.map((s) => `--${s}`).join(', ')} does not apply; usage: ${cmd.usage}`);
    return EXIT.usage;
  }
  let conn: Connection | undefined;
  try {
    const url = String(values.url ?? env.ESAV_CLIENT_URL ?? 'https://localhost:8444').replace(/\/+$/, '');
    const creds = (values.creds ?? env.ESAV_CLIENT_CREDS) as string | undefined;
    const files = {
      cert: (values.cert as string | undefined) ?? (creds && join(creds, 'client.crt')),
      key: (values.key as string | undefined) ?? (creds && join(creds, 'client.key')),
      ca: (values.ca as string | undefined) ?? (creds && join(creds, 'ca.crt')),
    };
    if (!files.cert || !files.key || !files.ca) throw new UsageError('give --creds <dir> (client.crt, client.key, ca.crt) or --cert, --key and --ca');
    const tls = readTls(files as { cert: string; key: string; ca: string });
    conn = new Connection(url, tls, cmd.service && values.version ? { [cmd.service]: String(values.version) } : {});
    const ctx = { siren: (values.siren as string | undefined) ?? sirenOfCertificate(tls.cert), providerSiren: String(values['provider-siren'] ?? '411111112') };
    const result = await cmd.run(conn, values, ctx);
    if (values['expect-fault']) {
      io.err(`esav-client ${name}: expected the fault ${values['expect-fault']}, but the call succeeded`);
      return EXIT.expectation;
    }
    print(result, values, io);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof FaultError) {
      const line = `fault ${err.faultcode} ${err.code}: ${err.message}${err.requestId ? ` (idRequete ${err.requestId})` : ''}`;
      const expected = values['expect-fault'];
      if (expected === err.code) {
        if (values.json) io.out(JSON.stringify({ fault: { faultcode: err.faultcode, code: err.code, message: err.message, idRequete: err.requestId } }, null, 2));
        else io.out(`expected ${line}`);
        return EXIT.ok;
      }
      io.err(line);
      for (const d of err.diagnostics) io.err(`  diagnostic: ${d}`);
      if (expected) io.err(`esav-client ${name}: expected the fault ${expected}`);
      return expected ? EXIT.expectation : EXIT.fault;
    }
    if (err instanceof WaitTimeout) {
      print(err.last, values, io);
      io.err(`esav-client ${name}: ${err.message}`);
      return EXIT.timeout;
    }
    if (err instanceof UsageError) {
      io.err(`esav-client ${name}: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`esav-client ${name}: ${(err as Error).message}`);
    return EXIT.error;
  } finally {
    conn?.close();
  }
}

function print(result: unknown, values: Opts, io: Io): void {
  if (typeof values.get === 'string') {
    const v = pick(result, values.get);
    if (v === undefined) throw new UsageError(`the answer has no field ${values.get}; it has: ${Object.keys((result ?? {}) as object).join(', ')}`);
    io.out(asText(v));
  } else if (values.json) io.out(JSON.stringify(result, null, 2));
  else for (const l of render(result)) io.out(l);
}
