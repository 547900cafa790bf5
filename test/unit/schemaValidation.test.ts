import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { XmlDocument, XmlValidateError } from 'libxml2-wasm';
import { compileSchemaFile, validateElement } from '../../src/soap/xml.js';
import { SoapFault } from '../../src/soap/faults.js';
import { PROJECT_ROOT } from '../support/cli.js';

const XSD = join(PROJECT_ROOT, 'wsdl', 'signalisation', 'v1', 'signalisation.xsd');
const NS = 'urn:fr:esav:signalisation:v1';
const state = (inner: string) => `<s:consulterEtatSignalisation xmlns:s="${NS}">${inner}</s:consulterEtatSignalisation>`;
const GOOD = state('<s:referenceSignalisation>S26-0000-0000-0</s:referenceSignalisation>');
const BAD = state('<s:inconnu/><s:autre/>');

/** What validateElement answers for a document: 'ok', or the fault's code and its diagnostics. */
function outcome(validator: ReturnType<typeof compileSchemaFile>, xml: string): unknown {
  const doc = XmlDocument.fromString(xml);
  try {
    validateElement(validator, doc.root, 'La requête');
    return 'ok';
  } catch (err) {
    if (!(err instanceof SoapFault)) throw err;
    return { code: err.code, message: err.message, diagnostics: err.diagnostics };
  } finally {
    doc.dispose();
  }
}

/** The package's own validate() on the same document: undefined when valid, else its error messages. */
function packageOutcome(validator: ReturnType<typeof compileSchemaFile>, xml: string): string[] | undefined {
  const doc = XmlDocument.fromString(xml);
  try {
    validator.validate(doc.root);
    return undefined;
  } catch (err) {
    if (err instanceof XmlValidateError) return err.details.map((d) => d.message.trim());
    throw err;
  } finally {
    doc.dispose();
  }
}

describe('schema validation with one reused libxml2 context per schema', () => {
  it('valid, invalid, valid again: each answer is its own (no error left over from the call before), as the package\'s validate() says', () => {
    const v = compileSchemaFile(XSD);
    try {
      const sequence = [GOOD, BAD, GOOD, BAD, BAD, GOOD, state('')];
      for (const xml of sequence) {
        const ours = outcome(v, xml);
        const theirs = packageOutcome(v, xml);
        if (theirs === undefined) expect(ours).toBe('ok');
        else {
          const o = ours as { code: string; message: string; diagnostics: Array<{ message: string }> };
          expect(o.code).toBe('SCHEMA_INVALIDE');
          expect(o.diagnostics.map((d) => d.message)).toEqual(theirs);
          expect(o.message).toContain(`(${theirs.length} erreur(s))`);
        }
      }
      expect(outcome(v, BAD)).toMatchObject({ diagnostics: [expect.objectContaining({ line: 1 })] });
    } finally {
      v.dispose();
    }
  });

  it('two schemas keep their own contexts; a disposed validator is refused, and a new one validates', () => {
    const a = compileSchemaFile(XSD);
    const b = compileSchemaFile(join(PROJECT_ROOT, 'wsdl', 'signalisation', 'v1', 'erreur.xsd'));
    expect(outcome(a, GOOD)).toBe('ok');
    expect(outcome(b, GOOD)).toMatchObject({ code: 'SCHEMA_INVALIDE' });
    expect(outcome(a, GOOD)).toBe('ok');
    a.dispose();
    b.dispose();
    expect(() => outcome(a, GOOD)).toThrow(/after dispose/);
    const c = compileSchemaFile(XSD);
    try {
      expect(outcome(c, GOOD)).toBe('ok');
      expect(outcome(c, BAD)).toMatchObject({ code: 'SCHEMA_INVALIDE' });
    } finally {
      c.dispose();
    }
  });
});
