import { parseArgs } from 'node:util';

/** A usage error: printed to stderr with exit code 2, telling what to fix. */
export class UsageError extends Error {}

export type Flags = Record<string, string | boolean | undefined>;

export function flags(argv: string[], spec: Record<string, 'string' | 'boolean'>): Flags {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(spec).map(([k, type]) => [k, { type }])),
      allowPositionals: true,
      strict: true,
    });
    return { ...values, _: positionals.join(' ') || undefined } as Flags;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function required(f: Flags, name: string, hint = ''): string {
  const v = f[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required${hint ? `: ${hint}` : ''}`);
  return v;
}

export function siren(v: string, flag = 'siren'): string {
  if (!/^[0-9]{9}$/.test(v)) throw new UsageError(`--${flag} must be a SIREN of 9 digits, got "${v}"`);
  return v;
}

export function scope(v: string): 'esav' | 'ftth' {
  if (v !== 'esav' && v !== 'ftth') throw new UsageError(`--scope must be esav or ftth, got "${v}"`);
  return v;
}
