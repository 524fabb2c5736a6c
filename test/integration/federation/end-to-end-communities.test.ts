// Issue #9, first run: two whole communities federating through DNS. A (a.example.com) is simple-edge
// with its built-in registrar and presence server; B (b.example.net) is simple-edge with Kamailio
// (test/fixtures/kamailio/community.cfg) as its internal registrar and presence server. bind9 serves
// both domains' NAPTR/SRV and the ENUM zone (test/fixtures/dns-federation); neither edge has a static
// route, and B's first SRV target is a port where nothing listens (D2 failover). B publishes its
// policy document (G2) over HTTPS; A fetches it on its first connection to B. alice@A and bob@B are
// user agents on UDP that register with digest with their own community, then exchange MESSAGE and
// watch each other's presence across the border.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyDocumentServer } from '../../../src/admin/policy-document-server.js';
import { POLICY_DOCUMENT_PATH } from '../../../src/config/policy-document.js';
import type { Edge } from '../../../src/edge.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { BIND9_SETUP_TIMEOUT_MS, type Bind9 } from '../../support/bind9.js';
import { LOOPBACK, PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { KamailioCommunity } from '../../support/kamailio-community.js';
import { endToEndEdgeYaml, PASSWORD, startFederationDns, UdpUserAgent, type EdgePorts } from './end-to-end-lab.js';
import { A, B, communityTls, edgeTls, eventually } from './federation-lab.js';

/** B's border demands SUBSCRIBE Expires of at least 1800 s (P6) and says so in its policy document (G2). */
const B_MIN_EXPIRES = 1800;
const B_DOCUMENT_VERSION = 7;

const ports = new PortAllocator();
const tlsA = communityTls(A);
const tlsB = communityTls(B);
const edgePorts = (): EdgePorts => {
  const first = ports.take(3);
  return { internal: first, external: first + 1, admin: first + 2 };
};
const portsA = edgePorts();
const portsB = edgePorts();
const documentPort = ports.take(1);
/** B's first SRV target: nothing listens here. */
const deadPort = ports.take(1);

let workDir: string;
let bind: Bind9;
let kamailio: KamailioCommunity;
let published: PolicyDocumentServer;
let edgeA: Edge;
let edgeB: Edge;
let alice: UdpUserAgent;
let bob: UdpUserAgent;

beforeAll(async () => {
  await ensureDebianPackages(['kamailio', 'kamailio-presence-modules', 'kamailio-tls-modules']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-e2e-communities-'));
  bind = await startFederationDns({ aTls: portsA.external, bTls: portsB.external, bDown: deadPort });
  kamailio = await KamailioCommunity.start({ port: ports.take(1), workDir, password: PASSWORD, domain: B });
  edgeB = await startEdge({
    yaml: endToEndEdgeYaml({
      domain: B, ports: portsB, peer: A, resolver: bind.resolver, internal: kamailio.port,
      extra: [`policy: { limits: { minSubscriptionExpiresSeconds: ${B_MIN_EXPIRES} } }`, `policyDocument: { version: ${B_DOCUMENT_VERSION}, fetch: false }`],
    }),
    tls: edgeTls(tlsB, tlsA),
  });
  published = new PolicyDocumentServer({ address: LOOPBACK, port: documentPort, tls: edgeTls(tlsB, tlsA), document: () => edgeB.policyDocument() });
  await published.listen();
  edgeA = await startEdge({
    yaml: endToEndEdgeYaml({
      domain: A, ports: portsA, peer: B, resolver: bind.resolver, internal: 'builtin',
      extra: [`policyDocument: { peers: [{ peer: ${B}, url: "https://${LOOPBACK}:${documentPort}${POLICY_DOCUMENT_PATH}" }] }`],
    }),
    tls: edgeTls(tlsA, tlsB),
  });
  await edgeA.community!.directory.add({ address: `alice@${A}`, password: PASSWORD, realm: A });
  const base = ports.take(2);
  alice = await UdpUserAgent.start({ user: 'alice', domain: A, port: base, edgePort: portsA.internal });
  bob = await UdpUserAgent.start({ user: 'bob', domain: B, port: base + 1, edgePort: portsB.internal });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled([alice?.close(), bob?.close()]);
  await Promise.allSettled([edgeA, edgeB].filter((e) => e !== undefined).map((e) => stopEdge(e)));
  await published?.close();
  await kamailio?.stop();
  await bind?.stop();
  if (workDir !== undefined && process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
});

/** Kamailio's log, for a failure message. */
const kamailioLog = (): string => `kamailio:\n${kamailio.log}`;

describe('issue #9 two communities, built-in components (A) and Kamailio behind simple-edge (B), through DNS', () => {
  it('I2 alice registers with A\'s built-in registrar and bob with B\'s Kamailio, both answering a digest challenge', async () => {
    expect(await alice.register()).toEqual([401, 200]);
    expect(await bob.register(), kamailioLog()).toEqual([401, 200]);
  });

  it('I1 I3 D2 MESSAGE A→B by SIP URI: found by NAPTR and SRV (past B\'s dead first target), delivered by Kamailio to bob\'s contact', async () => {
    const { callId, response } = await alice.message(bob.aor);
    expect(response.status, kamailioLog()).toBe(200);
    const [arrived] = await bob.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(bob.contact); // Kamailio's location lookup (RFC 3261 §16.5)
    expect(arrived!.from.uri).toMatchObject({ user: 'alice', host: A });
    expect(edgeA.peerFlows.count(B, 'outbound')).toBe(1);
  });

  it('I1 I3 MESSAGE B→A by SIP URI: A\'s built-in registrar delivers it to alice\'s registered contact', async () => {
    const { callId, response } = await bob.message(alice.aor);
    expect(response.status).toBe(200);
    const [arrived] = await alice.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(alice.contact);
    expect(arrived!.from.uri).toMatchObject({ user: 'bob', host: B });
  });

  it('D4 D5 MESSAGE A→B to tel:+1-555-0001: ENUM E2U+im gives im:bob@b.example.net, _im._sip SRV finds B, Kamailio delivers', async () => {
    const { callId, response } = await alice.message('tel:+1-555-0001');
    expect(response.status, kamailioLog()).toBe(200);
    const [arrived] = await bob.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(bob.contact);
  });

  it('G2 P5 alice watches bob: A raises her Expires to B\'s published minimum, Kamailio\'s 2xx respects it, the initial NOTIFY and bob\'s change cross', async () => {
    await eventually(() => edgeA.policyDocuments.entries().some((e) => e.document?.version === B_DOCUMENT_VERSION), 'A to take B\'s policy document');
    const { callId, response } = await alice.subscribe(bob.aor, 600);
    expect(response.status, kamailioLog()).toBe(200);
    expect(Number(response.headers.get('expires'))).toBeGreaterThanOrEqual(B_MIN_EXPIRES);
    const [initial] = await alice.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    expect((await bob.publish('open', 'bob-at-his-desk')).response.status, kamailioLog()).toBe(200);
    await eventually(() => alice.requests('NOTIFY', callId).some((n) => n.body.toString().includes('bob-at-his-desk')), 'bob\'s published state at alice');
  });

  it('I2 P5 bob watches alice: A\'s built-in presence server sends the initial NOTIFY across, then alice\'s change', async () => {
    const { callId, response } = await bob.subscribe(alice.aor, 600);
    expect(response.status).toBe(200);
    const [initial] = await bob.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    expect((await alice.publish('open', 'alice-in-a-meeting')).response.status).toBe(200);
    await eventually(() => bob.requests('NOTIFY', callId).some((n) => n.body.toString().includes('alice-in-a-meeting')), 'alice\'s published state at bob');
    expect(bob.requests('NOTIFY', callId).every((n) => n.headers.get('content-type') === 'application/pidf+xml' || n.body.length === 0)).toBe(true);
  });
});
