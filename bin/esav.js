#!/usr/bin/env node
// The ops command. Runs the compiled CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('esav: not built yet: run `npm ci` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
await import(entry);
