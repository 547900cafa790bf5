#!/usr/bin/env node
// The operator-side client (docs/integration-guide.md). Runs the compiled code (npm ci builds it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(new URL('../dist/src/client/index.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('esav-client: not built yet: run `npm ci` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
await import(entry);
