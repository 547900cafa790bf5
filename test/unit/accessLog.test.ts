import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../support/cli.js';

describe('the per-call access line', () => {
  it('is one JSON line in pino format (level, time, pid, fields, msg), undefined fields left out, text escaped', () => {
    const script = `
      import { createAccessLogger } from './dist/src/log.js';
      const log = createAccessLogger('info');
      log.info({ requestId: 'r-1', siren: undefined, operation: 'dépôt "x"\\n', status: 200, ms: 1.25, bad: NaN }, 'soap');
      createAccessLogger('warn').info({ requestId: 'r-2' }, 'soap');
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toEqual({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'r-1', operation: 'dépôt "x"\n', status: 200, ms: 1.25, bad: null, msg: 'soap' });
    expect(Math.abs(line.time - Date.now())).toBeLessThan(60_000);
  });

  it('writes plain values as they are and escapes every other one, key and message included', () => {
    const values = ['a b/c:d@e+f.g_h-i', 'back\\slash', 'tab\t', 'quote"', '<x>', 'é', '\u2028', ''];
    const script = `
      import { createAccessLogger } from './dist/src/log.js';
      const log = createAccessLogger('info');
      const values = ${JSON.stringify(values)};
      for (const v of values) log.info({ v, ['k"' + v]: v }, 'm"' + v);
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.v, l['k"' + l.v], l.msg])).toEqual(values.map((v) => [v, v, 'm"' + v]));
  });
});
