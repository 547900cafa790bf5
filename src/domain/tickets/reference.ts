import { randomInt } from 'node:crypto';

/**
 * Ticket references: "S" + two-digit year, then 8 random characters and 1 check character from
 * Crockford's base 32 (digits and capitals without I, L, O, U: nothing to confuse on the phone),
 * grouped for reading aloud: S26-K7Q4-M9XD-T. The check character is Luhn mod 32 over the
 * year digits and the random characters: any single wrong character is detected, and any swap
 * of two adjacent ones except 0 <-> Z (the one blind spot of Luhn mod N, like 09 <-> 90 in base 10). 8 random characters give 2^40 references a year; a collision is retried.
 */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;
// Character code -> value in ALPHABET, -1 elsewhere: every state query checks a reference, and
// indexOf over the alphabet for each of its 10 characters was 1.5% of the query's CPU.
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < N; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export function luhnCheck(chars: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const code = chars.charCodeAt(i);
    let addend = factor * (code < 128 ? VALUE[code]! : -1);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return ALPHABET[(N - (sum % N)) % N]!;
}

export function newReference(now = new Date()): string {
  const yy = String(now.getUTCFullYear() % 100).padStart(2, '0');
  let rnd = '';
  for (let i = 0; i < 8; i++) rnd += ALPHABET[randomInt(N)];
  const check = luhnCheck(yy + rnd);
  return `S${yy}-${rnd.slice(0, 4)}-${rnd.slice(4)}-${check}`;
}

export const REFERENCE_PATTERN = /^S[0-9]{2}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$/;

/** Accepts a reference typed by a person: case and separators do not matter, O/I/L are read as 0/1/1. */
export function normaliseReference(input: string): string | undefined {
  // As the gateway writes it (what operators' systems send back): only the check digit to verify.
  if (input.length === 15 && REFERENCE_PATTERN.test(input)) return luhnCheck(input.slice(1, 3) + input.slice(4, 8) + input.slice(9, 13)) === input[14] ? input : undefined;
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (!/^S[0-9]{2}[0-9A-HJKMNP-TV-Z]{9}$/.test(s)) return undefined;
  const body = s.slice(1, 11);
  if (luhnCheck(body) !== s[11]) return undefined;
  return `S${s.slice(1, 3)}-${s.slice(3, 7)}-${s.slice(7, 11)}-${s[11]}`;
}
