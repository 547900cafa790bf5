import { describe, expect, it } from '@jest/globals';
import { OutageLog } from '../../src/soap/pipeline.js';

describe('database outage logging', () => {
  it('writes one warning per interval with the count of faults answered meanwhile, never a stack', () => {
    let now = 0;
    const lines: Array<Record<string, unknown>> = [];
    const log = { warn: (o: Record<string, unknown>) => lines.push(o) };
    const outage = new OutageLog(10_000, () => now);
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 500; i++) {
      outage.note(log as never, `r${i}`, err);
      now += 50; // 500 faults over 25 s
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ requestId: 'r0', code: 'ECONNREFUSED', error: 'connect ECONNREFUSED 127.0.0.1:5432', faultsSinceLastLine: 0 });
    expect(lines[1]).toMatchObject({ requestId: 'r200', faultsSinceLastLine: 199 });
    expect(lines.every((l) => !('err' in l) && !('stack' in l))).toBe(true);
  });
});
