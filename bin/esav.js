#!/usr/bin/env -S node --max-semi-space-size=2 --v8-pool-size=1 --heap-growing-percent=50
// The ops command. Runs the compiled CLI (npm ci builds it through the prepare script).
// The node flags above are esav serve's memory settings (src/cluster.ts workerExecArgv says why):
// run as `bin/esav.js`, `npx esav` or `npm start`, every gateway process gets them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('esav: not built yet: run `npm ci` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
await import(entry);
