// G2 with D3: the peer's policy document is fetched from a host only the configured resolver (bind9,
// test/fixtures/dns/b.example.net.zone: policy.b.example.net → 127.0.0.1) knows, so the fetch works
// only if it resolves through the edge's DNS client; the certificate is still checked for the peer.
import { lookup as systemLookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load-config.js';
import { formatPolicyDocument, POLICY_DOCUMENT_PATH, policyDocumentOf } from '../../../src/config/policy-document.js';
import { policyDocumentConfigSchema } from '../../../src/config/policy-document-schema.js';
import { createHostLookup } from '../../../src/discovery/host-lookup.js';
import { PolicyDocumentFetcher } from '../../../src/discovery/policy-document-fetcher.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { TestPki } from '../../support/test-pki.js';
import { bindDiscovery, stopClocks } from './bind-discovery.js';

const PEER = 'b.example.net';
const HOST = 'policy.b.example.net';
let bind: Bind9;
let pki: TestPki;
let server: Server;
let port: number;

beforeAll(async () => {
  bind = await startBind9({ zones: ['b.example.net'] });
  pki = new TestPki();
  const parsed = parseConfigText(`domains: [${PEER}]\npolicyDocument: { version: 7 }\n`, 'peer');
  if (!parsed.ok) throw new Error('peer configuration');
  const document = formatPolicyDocument(policyDocumentOf(parsed.config));
  const identity = pki.issue('policy-server', [PEER]);
  server = createServer({ cert: identity.cert, key: identity.key }, (request, response) => {
    response
      .writeHead(request.url === POLICY_DOCUMENT_PATH ? 200 : 404, { 'content-type': 'application/xml' })
      .end(document);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  stopClocks();
  await new Promise((resolve) => server?.close(resolve));
  pki?.dispose();
  await bind?.stop();
});

function fetcher(withLookup: boolean): PolicyDocumentFetcher {
  const { dns } = bindDiscovery(bind);
  return new PolicyDocumentFetcher({
    config: policyDocumentConfigSchema.parse({
      peers: [{ peer: PEER, url: `https://${HOST}:${port}${POLICY_DOCUMENT_PATH}` }],
    }),
    log: silentLogger(),
    ca: pki.ca,
    ...(withLookup ? { lookup: createHostLookup({ dns, addressFamilies: ['ipv4'] }) } : {}),
  });
}

describe('G2 D3 the peer policy document host is resolved through discovery.resolvers', () => {
  // One test, the failing fetch first: the HTTPS agent keeps connections alive, so a fetch after a
  // successful one would reuse its connection and never resolve the host.
  it('G2 D3 fetches the document from a host only the configured resolver knows, and not through the system resolver', async () => {
    await expect(systemLookup(HOST)).rejects.toBeDefined(); // the control: the system resolver does not know it
    expect((await fetcher(false).refresh(PEER)).problem).toMatch(/ENOTFOUND|EAI_AGAIN/);
    const entry = await fetcher(true).refresh(PEER);
    expect(entry.problem).toBeUndefined();
    expect(entry.document?.version).toBe(7);
  });
});
