import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadRegistry, loadVersion, RegistryError, ServiceRegistry } from '../../src/soap/registry.js';
import { WSDL_DIR } from '../../src/paths.js';

describe('service registry: never more than two live versions', () => {
  it('loads signalisation v1 and v2 from wsdl/, each with its own namespace', () => {
    const r = loadRegistry();
    try {
      const versions = r.versionsOf('signalisation');
      expect(versions.map((v) => v.version)).toEqual(['v1', 'v2']);
      expect(new Set(versions.map((v) => v.namespace)).size).toBe(2);
    } finally {
      r.dispose();
    }
  });

  it('refuses a third live version with a message naming the live ones', () => {
    const r = new ServiceRegistry();
    const v1 = loadVersion(join(WSDL_DIR, 'signalisation', 'v1'));
    const v2 = loadVersion(join(WSDL_DIR, 'signalisation', 'v2'));
    r.add(v1);
    r.add(v2);
    const v3 = { ...v1, version: 'v3' };
    expect(() => r.add(v3)).toThrow(RegistryError);
    expect(() => r.add(v3)).toThrow(/already has 2 live versions \(v1, v2\).*retire one/);
    expect(r.versionsOf('signalisation')).toHaveLength(2);
    r.dispose();
  });

  it('refuses the same version twice', () => {
    const r = new ServiceRegistry();
    const v1 = loadVersion(join(WSDL_DIR, 'signalisation', 'v1'));
    r.add(v1);
    expect(() => r.add({ ...v1 })).toThrow(/already live/);
    r.dispose();
  });
});
