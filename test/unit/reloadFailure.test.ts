import { expect, it } from '@jest/globals';
import { isDatabaseUnavailable, logReloadFailure } from '../../src/db/unavailable.js';

// Ctrl-C of npm start stops the embedded PostgreSQL with the gateway: the reloads its processes
// try meanwhile (notifications reset) fail with "the database system is shutting down" (57P03) or
// "terminating connection due to administrator command" (57P01). Warnings, not errors.
function recorder() {
  const lines: Array<{ level: 'warn' | 'error'; fields: Record<string, unknown>; msg: string }> = [];
  return {
    lines,
    log: {
      warn: (fields: object, msg: string) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, msg }),
      error: (fields: object, msg: string) => lines.push({ level: 'error', fields: fields as Record<string, unknown>, msg }),
    } as never,
  };
}

it('a reload that fails because the database is stopping or unreachable is a warning; anything else an error', () => {
  const r = recorder();
  const shuttingDown = Object.assign(new Error('the database system is shutting down'), { code: '57P03' });
  const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5439'), { code: 'ECONNREFUSED' });
  const bug = new TypeError("Cannot read properties of undefined (reading 'rows')");
  const sqlError = Object.assign(new Error('relation "rate_limits" does not exist'), { code: '42P01' });
  for (const err of [shuttingDown, terminated, refused, bug, sqlError]) logReloadFailure(r.log, err, 'rate limits reload failed');
  expect(r.lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn', 'error', 'error']);
  expect(r.lines[0]).toMatchObject({ msg: 'rate limits reload failed (database unavailable)', fields: { code: '57P03', err: 'the database system is shutting down' } });
  expect(r.lines[3]!.fields.err).toBe(bug);
  expect([shuttingDown, terminated, refused, bug, sqlError].map(isDatabaseUnavailable)).toEqual([true, true, true, false, false]);
  expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
});
