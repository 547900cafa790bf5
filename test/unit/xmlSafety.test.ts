import { describe, expect, it } from '@jest/globals';
import { assertSafeXml, assertSoapContentType } from '../../src/guards/xmlSafety.js';
import { SoapFault } from '../../src/soap/faults.js';

const codeOf = (fn: () => void): string => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof SoapFault) return err.code;
    throw err;
  }
};
const safe = (xml: string | Buffer) => codeOf(() => assertSafeXml(typeof xml === 'string' ? Buffer.from(xml) : xml));

describe('assertSafeXml', () => {
  it('finds a DOCTYPE or ENTITY declaration anywhere, after comments and CDATA, up to the last byte', () => {
    expect(safe('<!DOCTYPE a><a/>')).toBe('DOCTYPE_INTERDIT');
    expect(safe('<a><!-- c --><!ENTITY x "y"></a>')).toBe('DOCTYPE_INTERDIT');
    expect(safe('<a><![CDATA[<!]]><!DOCTYPE x></a>')).toBe('DOCTYPE_INTERDIT');
    expect(safe('<a/><!ENTITY')).toBe('DOCTYPE_INTERDIT');
    expect(safe('<a/><!DOCTYPE')).toBe('DOCTYPE_INTERDIT');
    expect(safe('<a/><!<!DOCTYPE')).toBe('DOCTYPE_INTERDIT');
  });

  it('lets comments, CDATA and cut declarations through (the parser judges those)', () => {
    expect(safe('<a><!-- <!doctype is lower case --></a>')).toBe('ok');
    expect(safe('<a><![CDATA[x]]></a>')).toBe('ok');
    expect(safe('<a><!DOCTYP')).toBe('ok');
    expect(safe('<a>x<!')).toBe('ok');
    expect(safe('')).toBe('ok');
  });

  it('accepts UTF-8 and ASCII declarations only, with or without a BOM', () => {
    expect(safe('<?xml version="1.0" encoding="UTF-8"?><a/>')).toBe('ok');
    expect(safe("<?xml version='1.0' encoding='us-ascii'?><a/>")).toBe('ok');
    expect(safe('<?xml version="1.0" encoding="ISO-8859-1"?><a/>')).toBe('ENCODAGE_NON_SUPPORTE');
    expect(safe('\ufeff<?xml version="1.0" encoding="utf-7"?><a/>')).toBe('ENCODAGE_NON_SUPPORTE');
    expect(safe(Buffer.from('<a/>', 'utf16le'))).toBe('ENCODAGE_NON_SUPPORTE');
    expect(safe(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<a/>')]))).toBe('ENCODAGE_NON_SUPPORTE');
  });
});

describe('assertSoapContentType', () => {
  it('accepts text/xml with any parameters and case, and refuses the rest', () => {
    for (const ok of ['text/xml', 'text/xml; charset=utf-8', 'text/xml;charset=UTF-8', 'Text/XML ; charset="utf-8"']) expect(codeOf(() => assertSoapContentType(ok))).toBe('ok');
    for (const bad of [undefined, '', 'application/soap+xml; charset=utf-8', 'application/xml', 'text/xmlx']) {
      expect(codeOf(() => assertSoapContentType(bad))).toBe('TYPE_CONTENU_INCORRECT');
    }
  });
});
