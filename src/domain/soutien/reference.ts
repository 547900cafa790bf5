import { randomInt } from 'node:crypto';
import { ALPHABET, luhnCheck } from '../tickets/reference.js';

/**
 * e-soutien ticket references: "ES" + two-digit year, 6 random characters and a check character
 * in Crockford's base 32 with the same Luhn mod 32 check as signalisation references:
 * ES26-K7Q4M9-T. 2^30 references a year; a collision is retried.
 */
export function newSoutienReference(now = new Date()): string {
  const yy = String(now.getUTCFullYear() % 100).padStart(2, '0');
  let rnd = '';
  for (let i = 0; i < 6; i++) rnd += ALPHABET[randomInt(ALPHABET.length)];
  return `ES${yy}-${rnd}-${luhnCheck(yy + rnd)}`;
}

/** A reference as typed by a person: case and dashes do not matter, O/I/L are read as 0/1/1. */
export function normaliseSoutienReference(input: string): string | undefined {
  const s = input.toUpperCase().replace(/[\s-]/g, '');
  if (!s.startsWith('ES')) return undefined;
  const rest = s.slice(2).replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^[0-9]{2}[0-9A-HJKMNP-TV-Z]{7}$/.test(rest)) return undefined;
  if (luhnCheck(rest.slice(0, 8)) !== rest[8]) return undefined;
  return `ES${rest.slice(0, 2)}-${rest.slice(2, 8)}-${rest[8]}`;
}
