import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load-config.js';
import {
  formatPolicyDocument,
  parsePolicyDocument,
  policyDocumentOf,
  POLICY_DOCUMENT_NAMESPACE,
} from './policy-document.js';

function config(extra = '') {
  const result = parseConfigText(`domains: [a.example.com, a2.example.com]\n${extra}`, 'test');
  if (!result.ok) throw new Error(result.problems.map((p) => p.problem).join('; '));
  return result.config;
}

describe('the federation policy document (G2)', () => {
  it('G2 publishes what a peer without an agreement meets: the discovered-peer limits over the defaults', () => {
    const document = policyDocumentOf(
      config(
        'policy:\n  limits: { minSubscriptionExpiresSeconds: 900, notifyIntervalSeconds: 300 }\npolicyDocument: { version: 7, adminContact: "sip:admin@a.example.com" }\n',
      ),
    );
    expect(document).toMatchObject({
      version: 7,
      domains: ['a.example.com', 'a2.example.com'],
      subscription: { minExpiresSeconds: 900, maxExpiresSeconds: 86_400 },
      notify: { minIntervalSeconds: 300 },
      rates: { perPeer: { capacity: 20, refillPerSecond: 20 }, perSender: { capacity: 20, refillPerSecond: 5 } },
      recordRoute: { maxBytes: config().limits.maxRecordRouteBytes },
      im: { pageMode: true, sessionMode: true },
      trust: { header: 'X-Trust-Level' },
      adminContact: 'sip:admin@a.example.com',
    });
  });

  it('G2 publishes the IM modes the community accepts (M2)', () => {
    expect(policyDocumentOf(config('community: { imModes: [page] }\n')).im).toEqual({
      pageMode: true,
      sessionMode: false,
    });
  });

  it('G2 reads back exactly what it writes', () => {
    const document = policyDocumentOf(
      config('policyDocument: { adminContact: "mailto:ops@a.example.com", trustSemantics: "high & <verified>" }\n'),
    );
    const parsed = parsePolicyDocument(formatPolicyDocument(document));
    expect(parsed).toEqual({ ok: true, document });
  });

  it('G2 refuses a document that is not well-formed, has another root or namespace, or lacks a part', () => {
    const good = formatPolicyDocument(policyDocumentOf(config()));
    const problem = (xml: string) => {
      const result = parsePolicyDocument(xml);
      return result.ok ? 'accepted' : result.problem;
    };
    expect(problem(good.replace('</federation-policy>', ''))).toMatch(/^not well-formed XML/);
    expect(problem(good.replaceAll('federation-policy', 'policy'))).toBe('the root element is not <federation-policy>');
    expect(problem(good.replace(POLICY_DOCUMENT_NAMESPACE, 'urn:other'))).toMatch(/not in the namespace/);
    expect(problem(good.replace(/ *<subscription [^>]*\/>\n/, ''))).toMatch(/^subscription\.minExpiresSeconds: /);
    expect(problem(good.replace('min-expires="600"', 'min-expires="100000"'))).toMatch(
      /minExpiresSeconds is above maxExpiresSeconds/,
    );
  });

  it('G2 reads a document that names its namespace with a prefix', () => {
    const good = formatPolicyDocument(policyDocumentOf(config()));
    const prefixed = good
      .replace(/<(\/?)([a-z-]+)([ >/])/g, '<$1p:$2$3')
      .replace(`xmlns="${POLICY_DOCUMENT_NAMESPACE}"`, `xmlns:p="${POLICY_DOCUMENT_NAMESPACE}"`);
    expect(prefixed).toContain('<p:subscription ');
    expect(parsePolicyDocument(prefixed)).toEqual(parsePolicyDocument(good));
  });

  it('G2 ignores elements of later versions in other namespaces', () => {
    const good = formatPolicyDocument(policyDocumentOf(config()));
    const extended = good.replace(
      '</federation-policy>',
      '  <x:future xmlns:x="urn:example:future" level="9"/>\n</federation-policy>',
    );
    expect(parsePolicyDocument(extended).ok).toBe(true);
  });
});
