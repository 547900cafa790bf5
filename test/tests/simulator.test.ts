import { describe, expect, it } from '@jest/globals';
import { SimulatorDriver, loadDataset, type SimDataset } from '../../src/network/simulator.js';
import { NetworkError } from '../../src/network/driver.js';

const at = new Date('2026-12-01T09:00:00Z');
const req = (prestationId: string, testType = 'ETAT_LIGNE_OPTIQUE' as const) => ({ testId: 'T-1', prestationId, offerCode: 'FTTH_ACCES', testType });

describe('the network simulator', () => {
  it('the shipped data set loads; exact prestations win over rules, rules combine outcome and delay', () => {
    const sim = new SimulatorDriver(loadDataset(), () => at);
    expect(sim.scenario('FTTH-INTEG-0004')).toEqual({ outcome: 'DELAI_DEPASSE', delayMs: 8000 });
    expect(sim.scenario('RAPIDE-X-KO-CLIENT')).toEqual({ outcome: 'KO_INSTALLATION_CLIENT', delayMs: 200 });
    expect(sim.scenario('ETH-KO-RESEAU-LENT')).toEqual({ outcome: 'KO_RESEAU_FOURNISSEUR', delayMs: 3000 });
    expect(sim.scenario('ANY-OTHER')).toEqual({ outcome: 'OK', delayMs: 4000 });
    expect(new SimulatorDriver(loadDataset(), () => at, 10).scenario('ANY-OTHER').delayMs).toBe(10);
  });

  it('is deterministic: the same prestation gives the same measures, verdict and origin', async () => {
    const data: SimDataset = { defaultDelayMs: 0, prestations: { P1: { outcome: 'KO_INSTALLATION_CLIENT' } }, rules: [] };
    const sim = new SimulatorDriver(data, () => at);
    const a = await sim.run(req('P1'), new AbortController().signal);
    const b = await sim.run(req('P1'), new AbortController().signal);
    expect(a).toEqual(b);
    expect(a).toEqual({
      verdict: 'KO',
      origin: 'INSTALLATION_CLIENT',
      measures: [
        { name: 'puissanceRecue', value: '-29.7', unit: 'dBm', at },
        { name: 'attenuation', value: '25.5', unit: 'dB', at },
      ],
    });
  });

  it('element timeouts and errors are NetworkErrors; an abort stops the wait', async () => {
    const data: SimDataset = { defaultDelayMs: 0, prestations: { T: { outcome: 'DELAI_DEPASSE' }, E: { outcome: 'ERREUR_EQUIPEMENT' }, S: { delayMs: 600_000 } }, rules: [] };
    const sim = new SimulatorDriver(data, () => at);
    await expect(sim.run(req('T'), new AbortController().signal)).rejects.toMatchObject({ code: 'DELAI_DEPASSE' });
    await expect(sim.run(req('E'), new AbortController().signal)).rejects.toBeInstanceOf(NetworkError);
    const ac = new AbortController();
    const p = sim.run(req('S'), ac.signal);
    ac.abort(new NetworkError('DELAI_DEPASSE', 'budget'));
    await expect(p).rejects.toMatchObject({ message: 'budget' });
  });
});
