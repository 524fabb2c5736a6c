import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/load-config.js';
import { formatPolicyDocument, policyDocumentOf } from '../config/policy-document.js';
import { policyDocumentConfigSchema } from '../config/policy-document-schema.js';
import { silentLogger } from '../observability/logger.js';
import { PolicyDocumentFetcher } from './policy-document-fetcher.js';

function documentOf(domain: string, version: number): string {
  const parsed = parseConfigText(`domains: [${domain}]\npolicyDocument: { version: ${version} }\n`, 'peer');
  if (!parsed.ok) throw new Error('config');
  return formatPolicyDocument(policyDocumentOf(parsed.config));
}

function fetcher(serve: () => string | Promise<string>) {
  let nowMs = 0;
  const gets: string[] = [];
  const instance = new PolicyDocumentFetcher({
    config: policyDocumentConfigSchema.parse({ refreshSeconds: 60 }),
    log: silentLogger(),
    now: () => nowMs,
    get: async (url) => (gets.push(url), serve()),
  });
  return { instance, gets, advance: (ms: number) => void (nowMs += ms) };
}

describe('PolicyDocumentFetcher (G2)', () => {
  it("G2 fetches a peer's document from its well-known URL on the first connection, once", async () => {
    const { instance, gets } = fetcher(() => documentOf('b.example.net', 1));
    instance.peerConnected('b.example.net');
    instance.peerConnected('b.example.net');
    await instance.refresh('b.example.net');
    expect(gets).toEqual(['https://b.example.net/.well-known/sip-federation-policy.xml']);
    expect(instance.documentOf('b.example.net')?.version).toBe(1);
  });

  it('G2 takes a new version once the document is older than refreshSeconds', async () => {
    let version = 1;
    const { instance, gets, advance } = fetcher(() => documentOf('b.example.net', version));
    await instance.refresh('b.example.net');
    version = 2;
    advance(30_000);
    instance.peerConnected('b.example.net');
    expect(instance.documentOf('b.example.net')?.version).toBe(1);
    advance(30_000);
    instance.documentOf('b.example.net'); // stale now: refreshed in the background
    await instance.refresh('b.example.net');
    expect(instance.documentOf('b.example.net')?.version).toBe(2);
    expect(gets.length).toBeGreaterThanOrEqual(2);
  });

  it('G2 keeps the last good document when a later one is broken, unreachable or for another domain', async () => {
    let serve: () => string = () => documentOf('b.example.net', 1);
    const { instance } = fetcher(() => serve());
    await instance.refresh('b.example.net');
    for (const [broken, problem] of [
      [() => '<federation-policy', /not well-formed/],
      [() => documentOf('c.example.org', 5), /covers c\.example\.org, not b\.example\.net/],
      [
        () => {
          throw new Error('connect ECONNREFUSED');
        },
        /ECONNREFUSED/,
      ],
    ] as const) {
      serve = broken;
      const entry = await instance.refresh('b.example.net');
      expect(entry.problem).toMatch(problem);
      expect(entry.document?.version).toBe(1);
    }
  });
});
