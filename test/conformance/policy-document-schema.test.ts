// G2: the document the edge publishes is valid against the schema it publishes
// (schemas/sip-federation-policy.xsd), checked by libxml2's xmllint from Debian, not by our own reader.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load-config.js';
import { formatPolicyDocument, policyDocumentOf } from '../../src/config/policy-document.js';
import { ensureDebianPackages, requireProgram } from '../support/apt.js';

const schema = path.resolve(import.meta.dirname, '../../schemas/sip-federation-policy.xsd');
let dir: string;
let xmllint: string;

beforeAll(async () => {
  await ensureDebianPackages(['libxml2-utils']);
  xmllint = requireProgram('libxml2-utils');
  dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-policy-xsd-'));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(xml: string): { valid: boolean; output: string } {
  const file = path.join(dir, `doc-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync(xmllint, ['--noout', '--schema', schema, file], { stdio: 'pipe' });
    return { valid: true, output: '' };
  } catch (error) {
    return { valid: false, output: String((error as { stderr?: Buffer }).stderr ?? error) };
  }
}

function published(extra = ''): string {
  const result = parseConfigText(`domains: [a.example.com]\n${extra}`, 'test');
  if (!result.ok) throw new Error('config');
  return formatPolicyDocument(policyDocumentOf(result.config));
}

describe('schemas/sip-federation-policy.xsd (G2)', () => {
  it('G2 the published document validates against the published schema, with and without an admin contact', () => {
    expect(validate(published())).toEqual({ valid: true, output: '' });
    expect(validate(published('policyDocument: { adminContact: "sip:admin@a.example.com" }\n'))).toEqual({
      valid: true,
      output: '',
    });
  });

  it('G2 the schema refuses a document without its subscription limits or with a zero rate', () => {
    expect(validate(published().replace(/ *<subscription [^>]*\/>\n/, '')).valid).toBe(false);
    expect(validate(published().replace(/refill-per-second="[^"]*"/, 'refill-per-second="0"')).valid).toBe(false);
  });
});
