import { describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTraverse } from '../../src/db/postgresUserAccess.js';

describe('the way to the embedded PostgreSQL for its postgres user', () => {
  it('adds o+x (never read) to the folders on the path that lack it, and only to those', () => {
    const top = mkdtempSync(join(tmpdir(), 'esav-access-'));
    try {
      const mid = join(top, 'a');
      const leaf = join(mid, 'b');
      mkdirSync(leaf, { recursive: true });
      chmodSync(top, 0o700);
      chmodSync(mid, 0o750);
      chmodSync(leaf, 0o755);
      const changed = addTraverse(leaf);
      expect(changed).toEqual([mid, top]);
      expect(statSync(top).mode & 0o777).toBe(0o701);
      expect(statSync(mid).mode & 0o777).toBe(0o751);
      expect(statSync(leaf).mode & 0o777).toBe(0o755);
      expect(addTraverse(leaf)).toEqual([]);
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});
