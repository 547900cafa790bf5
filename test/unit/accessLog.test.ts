import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../support/cli.js';

describe('the per-call access line', () => {
  it('is one JSON line in pino format (level, time, pid, fields, msg), undefined fields left out, text escaped', () => {
    const script = `
      import { createAccessLogger } from './dist/src/log.js';
      const log = createAccessLogger('info');
      log.soapCall({ requestId: 'r-1', siren: undefined, fingerprint: undefined, service: 'signalisation', version: 'v1', operation: 'dépôt "x"\\n', outcome: 'ok', status: 200, ms: 1.25 });
      log.soapCall({ requestId: 'r-2', siren: '380129866', fingerprint: 'ab12', service: 's', version: 'v1', operation: undefined, outcome: 'XML_MALFORME', status: 500, ms: NaN });
      createAccessLogger('warn').soapCall({ requestId: 'r-3', siren: undefined, fingerprint: undefined, service: 's', version: 'v1', operation: undefined, outcome: 'ok', status: 200, ms: 1 });
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const line = JSON.parse(lines[0]!);
    expect(line).toEqual({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'r-1', service: 'signalisation', version: 'v1', operation: 'dépôt "x"\n', outcome: 'ok', status: 200, ms: 1.25, msg: 'soap' });
    expect(Math.abs(line.time - Date.now())).toBeLessThan(60_000);
    expect(JSON.parse(lines[1]!)).toEqual({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'r-2', siren: '380129866', fingerprint: 'ab12', service: 's', version: 'v1', outcome: 'XML_MALFORME', status: 500, ms: null, msg: 'soap' });
  });

  it('writes plain values as they are and escapes every other one, in every field that is not plain by construction', () => {
    const values = ['a b/c:d@e+f.g_h-i', 'back\\slash', 'tab\t', 'quote"', '<x>', 'é', '\u2028', ''];
    const script = `
      import { createAccessLogger } from './dist/src/log.js';
      const log = createAccessLogger('info');
      const values = ${JSON.stringify(values)};
      for (const v of values) log.soapCall({ requestId: 'r', siren: v, fingerprint: undefined, service: v, version: v, operation: v, outcome: v, status: 200, ms: 1 });
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.siren, l.service, l.version, l.operation, l.outcome])).toEqual(values.map((v) => [v, v, v, v, v]));
  });
});

describe('the buffered stdout (every log line of the process)', () => {
  it('writes every line whole and in order: access lines, pino lines, multi-byte text, lines longer than a block', () => {
    const script = `
      import { createAccessLogger, createLogger } from './dist/src/log.js';
      const access = createAccessLogger('info');
      const log = createLogger('info');
      for (let i = 0; i < 3000; i++) {
        if (i % 100 === 7) log.warn({ i, text: 'é€😀'.repeat(i % 13) }, 'pino line');
        else if (i % 500 === 3) log.info({ i, long: 'x€'.repeat(20000 + i) }, 'long');
        else access.soapCall({ requestId: 'r-' + i, siren: '380129866', fingerprint: 'ab', service: 'signalisation', version: 'v1', operation: undefined, outcome: i % 2 ? 'ok' : 'XML_MALFORME', status: 200, ms: i / 7 });
      }
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3000);
    lines.forEach((l, i) => {
      if (i % 100 === 7) expect([l.msg, l.i, l.text, l.level]).toEqual(['pino line', i, 'é€😀'.repeat(i % 13), 40]);
      else if (i % 500 === 3) expect([l.msg, l.i, l.long]).toEqual(['long', i, 'x€'.repeat(20000 + i)]);
      else {
        expect(l).toEqual({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'r-' + i, siren: '380129866', fingerprint: 'ab', service: 'signalisation', version: 'v1', outcome: i % 2 ? 'ok' : 'XML_MALFORME', status: 200, ms: i / 7, msg: 'soap' });
      }
    });
  });

  it('escapes what comes from the caller in the access line (service and version from the URL)', () => {
    const script = `
      import { createAccessLogger } from './dist/src/log.js';
      createAccessLogger('info').soapCall({ requestId: 'r', siren: undefined, fingerprint: undefined, service: 'a"b\\\\c', version: 'v\\n1', operation: 'op "x"', outcome: 'ok', status: 500, ms: NaN });
      process.exit(0);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toEqual({ level: 30, time: expect.any(Number), pid: expect.any(Number), requestId: 'r', service: 'a"b\\c', version: 'v\n1', operation: 'op "x"', outcome: 'ok', status: 500, ms: null, msg: 'soap' });
  });
});
