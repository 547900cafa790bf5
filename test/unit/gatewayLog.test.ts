import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { GatewayLog } from '../../bench/gatewayLog.js';

const line = (level: number, msg: string) => `{"level":${level},"time":1,"pid":7,"msg":${JSON.stringify(msg)}}\n`;

describe('bench: the gateway log reader', () => {
  it('counts whole lines and keeps warning and error lines, whatever the chunks', () => {
    const text =
      line(30, 'soap') + line(30, 'soap') + line(40, 'slow "é" query') + line(30, '{"level":50} in a message') + line(50, 'boom') + 'not JSON\n' + line(60, 'fatal') + line(30, 'last');
    const bytes = Buffer.from(text);
    // Every split of the bytes in two, then in chunks of 1, 7 and 100 bytes.
    const splits: Buffer[][] = [];
    for (let cut = 0; cut <= bytes.length; cut++) splits.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
    for (const size of [1, 7, 100]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      splits.push(parts);
    }
    for (const parts of splits) {
      const stream = new PassThrough();
      const log = new GatewayLog(stream);
      for (const p of parts) stream.write(p);
      expect(log.lines).toBe(8);
      expect(log.problems).toEqual([line(40, 'slow "é" query').trimEnd(), line(50, 'boom').trimEnd(), line(60, 'fatal').trimEnd()]);
    }
  });

  it('does not count a line still arriving, keeps at most 20 problems, each cut at 500 bytes', () => {
    const stream = new PassThrough();
    const log = new GatewayLog(stream);
    stream.write(line(50, 'x'.repeat(1000)).repeat(25) + '{"level":30');
    expect(log.lines).toBe(25);
    expect(log.problems).toHaveLength(20);
    expect(log.problems[0]).toHaveLength(500);
    stream.write(',"msg":"end"}\n');
    expect(log.lines).toBe(26);
  });
});
