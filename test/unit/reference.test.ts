import { describe, expect, it } from '@jest/globals';
import { ALPHABET, luhnCheck, newReference, normaliseReference, REFERENCE_PATTERN } from '../../src/domain/tickets/reference.js';

describe('ticket references', () => {
  it('have the documented shape and the year', () => {
    const ref = newReference(new Date('2026-05-04T10:00:00Z'));
    expect(ref).toMatch(REFERENCE_PATTERN);
    expect(ref.startsWith('S26-')).toBe(true);
  });

  it('are unique over many draws', () => {
    const set = new Set(Array.from({ length: 20000 }, () => newReference()));
    expect(set.size).toBe(20000);
  });

  it('detect every single-character error through the check character', () => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    for (let n = 0; n < 50; n++) {
      const ref = newReference();
      expect(normaliseReference(ref)).toBe(ref);
      const chars = ref.replace(/-/g, '').split('');
      for (let i = 3; i < chars.length; i++) {
        for (const c of alphabet) {
          if (c === chars[i]) continue;
          const wrong = [...chars];
          wrong[i] = c;
          expect(normaliseReference(wrong.join(''))).toBeUndefined();
          // ... also written as the gateway writes references (the canonical form's own path)
          const w = wrong.join('');
          expect(normaliseReference(`${w.slice(0, 3)}-${w.slice(3, 7)}-${w.slice(7, 11)}-${w[11]}`)).toBeUndefined();
        }
      }
    }
  });

  it('detect every swap of two adjacent characters but 0 <-> Z (Luhn mod N)', () => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let undetected = 0;
    for (let pos = 3; pos < 10; pos++) {
      for (const a of alphabet) {
        for (const b of alphabet) {
          if (a === b) continue;
          const body = ('26' + 'K7Q4M9XD').split('');
          body[pos - 1] = a;
          body[pos] = b;
          const check = [...alphabet].find((c) => normaliseReference('S' + body.join('') + c))!;
          const swapped = [...body];
          [swapped[pos - 1], swapped[pos]] = [swapped[pos]!, swapped[pos - 1]!];
          if (normaliseReference('S' + swapped.join('') + check)) {
            undetected++;
            expect([a, b].sort().join('')).toBe('0Z');
          }
        }
      }
    }
    expect(undetected).toBeLessThanOrEqual(14);
  });

  it('accept what a person types: lower case, no dashes, O for 0', () => {
    const ref = newReference();
    const typed = ref.toLowerCase().replace(/-/g, '').replace(/0/g, 'o');
    expect(normaliseReference(typed)).toBe(ref);
  });

  it('compute the check character as Luhn mod 32 over the alphabet (the table agrees with a plain indexOf)', () => {
    const byIndexOf = (chars: string): string => {
      let factor = 2;
      let sum = 0;
      for (let i = chars.length - 1; i >= 0; i--) {
        let addend = factor * ALPHABET.indexOf(chars[i]!);
        factor = factor === 2 ? 1 : 2;
        addend = Math.floor(addend / 32) + (addend % 32);
        sum += addend;
      }
      return ALPHABET[(32 - (sum % 32)) % 32]!;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 5000; n++) {
      let s = '';
      for (let i = 0; i < 10; i++) s += ALPHABET[next() % 32];
      expect(luhnCheck(s)).toBe(byIndexOf(s));
    }
    // Characters outside the alphabet count as indexOf's -1, as before the table.
    for (const odd of ['26ABCD-EFGH', '26abcdefgh', '26ÉÀ12345Z', '']) expect(luhnCheck(odd)).toBe(byIndexOf(odd));
  });
});
