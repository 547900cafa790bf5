/**
 * What a search offered, as a bitmap of window starts: bit k set = the window starting at
 * base + 30k minutes (epoch minutes). Paris starts are on :00/:30, so every start is a whole
 * number of 30-minute steps from another.
 */
export interface Offered {
  base: number;
  bits: Buffer;
  count: number;
}

const STEP = 30;

export function encodeOffered(startMinutes: readonly number[]): Offered {
  if (startMinutes.length === 0) return { base: 0, bits: Buffer.alloc(0), count: 0 };
  const base = startMinutes[0]!;
  const last = startMinutes[startMinutes.length - 1]!;
  const bits = Buffer.alloc(((last - base) / STEP >> 3) + 1);
  for (const m of startMinutes) {
    const k = (m - base) / STEP;
    bits[k >> 3]! |= 1 << (k & 7);
  }
  return { base, bits, count: startMinutes.length };
}

export function wasOffered(o: Pick<Offered, 'base' | 'bits'>, startMinute: number): boolean {
  const k = (startMinute - o.base) / STEP;
  if (!Number.isInteger(k) || k < 0 || k >> 3 >= o.bits.length) return false;
  return (o.bits[k >> 3]! & (1 << (k & 7))) !== 0;
}
