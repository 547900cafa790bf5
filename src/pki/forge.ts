import { createRequire } from 'node:module';
import type Forge from 'node-forge';

const require = createRequire(import.meta.url);
let loaded: typeof Forge | undefined;

/**
 * node-forge, loaded on first use: issuing certificates, CSR checks, CRLs and PKCS#12 need it,
 * a request never does (identity and TLS checks use node:crypto), so a gateway process that only
 * serves does not hold its ~50 modules.
 */
export function forge(): typeof Forge {
  return (loaded ??= require('node-forge') as typeof Forge);
}
