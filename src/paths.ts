import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

// Compiled code lives in dist/src/, sources in src/: walk up to the folder holding package.json
// so wsdl/, xsd/ and migrations/ are found from either.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('project root not found (no package.json + migrations/)');
    dir = up;
  }
}

export const PROJECT_ROOT = findRoot();
export const WSDL_DIR = join(PROJECT_ROOT, 'wsdl');
export const XSD_DIR = join(PROJECT_ROOT, 'xsd');
export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'migrations');
