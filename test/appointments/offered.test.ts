import { describe, expect, it } from '@jest/globals';
import { encodeOffered, wasOffered } from '../../src/domain/appointments/offered.js';

describe('what a search offered (bitmap of 30-minute starts)', () => {
  const base = Math.round(Date.UTC(2026, 11, 1, 7, 0) / 60_000);
  const starts = [base, base + 30, base + 120, base + 14 * 1440 - 600];

  it('answers yes for every offered start and no for the others', () => {
    const o = encodeOffered(starts);
    expect(o.count).toBe(4);
    for (const s of starts) expect(wasOffered(o, s)).toBe(true);
    for (const s of [base + 60, base + 90, base + 150, base - 30, base + 15, base + 14 * 1440 - 570, base + 20 * 1440]) {
      expect(wasOffered(o, s)).toBe(false);
    }
    // 14 days of half hours in ~84 bytes, not 170+ bigints.
    expect(o.bits.length).toBeLessThanOrEqual(84);
  });

  it('an empty search offers nothing', () => {
    const o = encodeOffered([]);
    expect(o.count).toBe(0);
    expect(wasOffered(o, base)).toBe(false);
    expect(wasOffered(o, 0)).toBe(false);
  });
});
