import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestGateway, type ClientCreds, type TestGateway } from '../support/gateway.js';
import { esavOk } from '../support/cli.js';
import { depositXml, parseSoap, soapPost, V1 } from '../support/http.js';
import { createCa, issueClientCert } from '../../src/pki/certs.js';

const PROXY_OP = '511111117';
const OP = '522222224';
const ACTION = `${V1}#deposerSignalisation`;

/** The forms a proxy uses: Envoy's XFCC element, nginx's url-encoded PEM. */
const xfcc = (pem: Buffer | string) => `Hash=abc;Cert="${encodeURIComponent(String(pem))}";Subject="CN=x"`;
const escaped = (pem: Buffer | string) => encodeURIComponent(String(pem));

describe('client certificate forwarded by a trusted TLS-terminating proxy', () => {
  let t: TestGateway;
  let proxy: ClientCreds;
  let operator: ClientCreds;

  beforeAll(async () => {
    // The tests' client is the proxy: it connects from 127.0.0.1 with its own certificate.
    t = await startTestGateway({ ESAV_TRUSTED_PROXIES: '127.0.0.1,::1' });
    proxy = t.issue(PROXY_OP, 'esav', 'Mandataire');
    operator = t.issue(OP, 'esav');
    esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-PX1', '--offer', 'ETH_ENTREPRISE');
  });
  afterAll(async () => t?.close());

  it('takes the caller from the forwarded certificate (Envoy and nginx forms)', async () => {
    for (const value of [xfcc(operator.cert), escaped(operator.cert)]) {
      const r = await soapPost(`${t.base}/ws/signalisation/v1`, proxy, depositXml(V1, 'ETH-PX1'), ACTION, { 'x-forwarded-client-cert': value });
      expect(parseSoap(r.body).payload?.deposerSignalisationReponse?.etat).toBe('EN_DEPOT');
    }
    const line = t.logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'soap').at(-1);
    expect(line).toMatchObject({ siren: OP, fingerprint: operator.fingerprint });
    // Without the header, the proxy's own (registered) certificate is the caller: not OP's parc.
    const own = await soapPost(`${t.base}/ws/signalisation/v1`, proxy, depositXml(V1, 'ETH-PX1'), ACTION);
    expect(parseSoap(own.body).fault?.code).toBe('PRESTATION_INCONNUE');
  });

  it('checks the forwarded certificate again: another CA, or an unregistered one, is refused', async () => {
    const rogue = issueClientCert(createCa('Rogue'), { siren: OP, operatorName: 'x', scope: 'esav' });
    const r = await soapPost(`${t.base}/ws/signalisation/v1`, proxy, depositXml(V1, 'ETH-PX1'), ACTION, { 'x-forwarded-client-cert': xfcc(rogue.certPem) });
    expect(parseSoap(r.body).fault?.code).toBe('CERTIFICAT_TRANSMIS_INVALIDE');
    const garbage = await soapPost(`${t.base}/ws/signalisation/v1`, proxy, depositXml(V1, 'ETH-PX1'), ACTION, { 'x-forwarded-client-cert': 'Cert="nope"' });
    expect(parseSoap(garbage.body).fault?.code).toBe('CERTIFICAT_TRANSMIS_INVALIDE');
  });
});

describe('the header from anyone else is refused', () => {
  let t: TestGateway;
  let a: ClientCreds;
  let b: ClientCreds;

  beforeAll(async () => {
    t = await startTestGateway({ ESAV_TRUSTED_PROXIES: '192.0.2.10' });
    a = t.issue(PROXY_OP, 'esav');
    b = t.issue(OP, 'esav');
    esavOk(t.env, 'prestation', 'add', '--operator', OP, '--id', 'ETH-PX2', '--offer', 'ETH_ENTREPRISE');
  });
  afterAll(async () => t?.close());

  it('a caller not on the proxy list cannot claim another certificate', async () => {
    const r = await soapPost(`${t.base}/ws/signalisation/v1`, a, depositXml(V1, 'ETH-PX2'), ACTION, { 'x-forwarded-client-cert': xfcc(b.cert) });
    expect(parseSoap(r.body).fault?.code).toBe('PROXY_NON_AUTORISE');
  });

  it('and with the mode off, the usual headers are refused too', async () => {
    const off = await startTestGateway();
    try {
      const c = off.issue(PROXY_OP, 'esav');
      for (const header of ['x-forwarded-client-cert', 'x-ssl-client-cert']) {
        const r = await soapPost(`${off.base}/ws/signalisation/v1`, c, depositXml(V1, 'ETH-PX2'), ACTION, { [header]: escaped(c.cert) });
        expect(parseSoap(r.body).fault?.code).toBe('PROXY_NON_AUTORISE');
      }
    } finally {
      await off.close();
    }
  });
});
