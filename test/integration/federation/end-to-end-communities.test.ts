// Two whole communities federating through DNS. A (a.example.com) is simple-edge
// with its built-in registrar and presence server; B (b.example.net) is simple-edge with Kamailio
// (test/fixtures/kamailio/community.cfg) as its internal registrar and presence server. bind9 serves
// both domains' NAPTR/SRV and the ENUM zone (test/fixtures/dns-federation); neither edge has a static
// route, and B's first SRV target is an edge that drops every connection (D2 failover). B publishes its
// policy document (G2) over HTTPS; A fetches it on its first connection to B. alice@A and bob@B are
// user agents on UDP (end-to-end-lab.ts) that register with digest with their own community, then
// exchange MESSAGE and watch each other's presence across the border; dave@A and carol@B are SIPp
// user agents. A reconnects after B's edge restarts; A's border answers 423 and 503 (Y1) to B's
// users, B's answers 403 to a spoofed origin (F7 outbound), 513 and 604 (cached by A across A's
// restart); P8 holds an unchanged NOTIFY; removing a user on either side ends the other's watch (X3).

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
import { requestsReceived, statuses } from '../../support/sipp-outcomes.js';
import { describeSippRun, SIPP_PORT_BLOCK, SippProcess, type SippResult } from '../../support/sipp.js';
import {
  DeadEdge,
  decidedAtLeast,
  endToEndEdgeYaml,
  PASSWORD,
  policyDecisions,
  startFederationDns,
  UdpUserAgent,
  type EdgePorts,
} from './end-to-end-lab.js';
import { A, B, communityTls, edgeTls, eventually, tlsFlowIds } from './federation-lab.js';

/** B's border demands SUBSCRIBE Expires of at least 1800 s (P6) and says so in its policy document (G2); list@B is a distribution list (P3). */
const B_MIN_EXPIRES = 1800;
const B_DOCUMENT_VERSION = 7;
/** A's per-sender bucket (Y1): room for bob's own traffic here, not for a flood. */
const A_POLICY = 'policy: { limits: { perSender: { capacity: 12, refillPerSecond: 0.01 } } }';

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
/** B's first SRV target: a DeadEdge. */
const deadPort = ports.take(1);

let workDir: string;
let bind: Bind9;
let deadEdge: DeadEdge;
let kamailio: KamailioCommunity;
let published: PolicyDocumentServer;
let edgeA: Edge;
let edgeB: Edge;
let alice: UdpUserAgent;
let bob: UdpUserAgent;
/** The two cross-border subscriptions' Call-IDs, and the SIP-ETag of bob's publication. */
let aliceWatchesBob = '';
let bobWatchesAlice = '';
let bobEtag = '';
const running = new Set<SippProcess>();

beforeAll(async () => {
  await ensureDebianPackages(['sip-tester']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-e2e-communities-'));
  deadEdge = await DeadEdge.listen(deadPort);
  bind = await startFederationDns({ aTls: portsA.external, bTls: portsB.external, bDown: deadPort });
  kamailio = await KamailioCommunity.start({ port: ports.take(1), workDir, password: PASSWORD, domain: B });
  edgeB = await startB();
  published = new PolicyDocumentServer({
    address: LOOPBACK,
    port: documentPort,
    tls: edgeTls(tlsB, tlsA),
    document: () => edgeB.policyDocument(),
  });
  await published.listen();
  edgeA = await startA();
  for (const user of ['alice', 'dave'])
    await edgeA.community!.directory.add({ address: `${user}@${A}`, password: PASSWORD, realm: A });
  const base = ports.take(2);
  alice = await UdpUserAgent.start({ user: 'alice', domain: A, port: base, edgePort: portsA.internal });
  bob = await UdpUserAgent.start({ user: 'bob', domain: B, port: base + 1, edgePort: portsB.internal });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled([...running].map((sipp) => sipp.stop()));
  await Promise.allSettled([alice?.close(), bob?.close()]);
  await Promise.allSettled([edgeA, edgeB].filter((e) => e !== undefined).map((e) => stopEdge(e)));
  await published?.close();
  await kamailio?.stop();
  await bind?.stop();
  await deadEdge?.close();
  if (workDir !== undefined && process.env.SIMPLE_EDGE_KEEP_LOGS === undefined)
    rmSync(workDir, { recursive: true, force: true });
});

function startB(): Promise<Edge> {
  return startEdge({
    yaml: endToEndEdgeYaml({
      domain: B,
      ports: portsB,
      peer: A,
      resolver: bind.resolver,
      internal: kamailio.port,
      extra: [
        `policy: { noPresenceAddresses: [list@${B}], limits: { minSubscriptionExpiresSeconds: ${B_MIN_EXPIRES} } }`,
        `policyDocument: { version: ${B_DOCUMENT_VERSION}, fetch: false }`,
      ],
    }),
    tls: edgeTls(tlsB, tlsA),
  });
}

/** A keeps its state (users, the 604 cache) in SQLite, across the restart at the end. */
function startA(): Promise<Edge> {
  return startEdge({
    yaml: endToEndEdgeYaml({
      domain: A,
      ports: portsA,
      peer: B,
      resolver: bind.resolver,
      internal: 'builtin',
      stateFile: path.join(workDir, 'a.db'),
      extra: [
        A_POLICY,
        `policyDocument: { peers: [{ peer: ${B}, url: "https://${LOOPBACK}:${documentPort}${POLICY_DOCUMENT_PATH}" }] }`,
      ],
    }),
    tls: edgeTls(tlsA, tlsB),
  });
}

/**
 * A SIPp user (Debian sip-tester) of one community: a UAS waiting for one MESSAGE, registered with
 * digest through its community's edge by a SIPp UAC (test/fixtures/sipp/community/uac-register.xml).
 */
async function sippUser(user: string, domain: string, edgePort: number): Promise<SippProcess> {
  const port = ports.take(SIPP_PORT_BLOCK);
  const common = { transport: 'udp' as const, calls: 1, timeoutS: 20, logDir: workDir };
  const inbox = SippProcess.start({ ...common, name: `${user}-inbox`, scenario: 'uas-message.xml', basePort: port });
  running.add(inbox);
  await inbox.listening();
  const registration = await SippProcess.start({
    ...common,
    name: `${user}-register`,
    scenario: 'community/uac-register.xml',
    basePort: ports.take(SIPP_PORT_BLOCK),
    remote: `${LOOPBACK}:${edgePort}`,
    service: user,
    extraArgs: ['-au', user, '-ap', PASSWORD],
    keys: { domain, contact: `sip:${user}@${LOOPBACK}:${port}`, expires: '600' },
  }).exited;
  expect(statuses(registration), `${describeSippRun(registration)}\n${kamailioLog()}`).toEqual([401, 200]);
  return inbox;
}

async function succeeded(process: SippProcess): Promise<SippResult> {
  const result = await process.exited;
  running.delete(process);
  expect(result.exitCode, describeSippRun(result)).toBe(0);
  return result;
}

/** Kamailio's log, for a failure message. */
const kamailioLog = (): string => `kamailio:\n${kamailio.log}`;

describe('F2 D2 I1 two communities, built-in components (A) and Kamailio behind simple-edge (B), through DNS', () => {
  it("I2 alice registers with A's built-in registrar and bob with B's Kamailio, both answering a digest challenge", async () => {
    expect(await alice.register()).toEqual([401, 200]);
    expect(await bob.register(), kamailioLog()).toEqual([401, 200]);
  });

  it("I1 I2 SIPp users on both sides: dave@A and carol@B register with digest (built-in registrar, Kamailio), and each receives the other community's MESSAGE", async () => {
    const dave = await sippUser('dave', A, portsA.internal);
    const carol = await sippUser('carol', B, portsB.internal);
    const toCarol = await alice.message(`carol@${B}`);
    const toDave = await bob.message(`dave@${A}`);
    expect([toCarol.response.status, toDave.response.status], kamailioLog()).toEqual([200, 200]);
    for (const [run, from] of [
      [await succeeded(carol), `alice@${A}`],
      [await succeeded(dave), `bob@${B}`],
    ] as const) {
      expect(requestsReceived(run, 'MESSAGE').map((m) => m.value('from'))).toEqual([expect.stringContaining(from)]);
    }
  });

  it("I1 I3 D2 MESSAGE A→B by SIP URI: found by NAPTR and SRV (past B's dead first target), delivered by Kamailio to bob's contact", async () => {
    const { callId, response } = await alice.message(bob.aor);
    expect(response.status, kamailioLog()).toBe(200);
    const [arrived] = await bob.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(bob.contact); // Kamailio's location lookup (RFC 3261 §16.5)
    expect(arrived!.from.uri).toMatchObject({ user: 'alice', host: A });
    expect(deadEdge.attempts).toBeGreaterThanOrEqual(1); // edge1 was tried first, as its SRV priority says
    expect(edgeA.peerFlows.count(B, 'outbound')).toBe(1);
  });

  it("I1 I3 MESSAGE B→A by SIP URI: A's built-in registrar delivers it to alice's registered contact", async () => {
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

  it("D6 MESSAGE A→B to B's old number, which ENUM redirects with an enum: URI to bob's, reaches bob", async () => {
    const { callId, response } = await alice.message('tel:+15550002');
    expect(response.status, kamailioLog()).toBe(200);
    expect((await bob.waitFor('MESSAGE', callId, 1))[0]!.requestUriText).toBe(bob.contact);
  });

  it("D4 MESSAGE B→A to tel:+15550100: B's ENUM lookup gives sip:alice@a.example.com, and A delivers it", async () => {
    const { callId, response } = await bob.message('tel:+15550100');
    expect(response.status).toBe(200);
    expect((await alice.waitFor('MESSAGE', callId, 1))[0]!.requestUriText).toBe(alice.contact);
  });

  it("D2 B's edge restarts: A reconnects through DNS on demand and MESSAGE crosses both ways again", async () => {
    const before = tlsFlowIds(edgeA);
    await stopEdge(edgeB);
    edgeB = await startB();
    const there = await alice.message(bob.aor);
    expect(there.response.status, kamailioLog()).toBe(200);
    await bob.waitFor('MESSAGE', there.callId, 1);
    const back = await bob.message(alice.aor);
    expect(back.response.status).toBe(200);
    await alice.waitFor('MESSAGE', back.callId, 1);
    expect(tlsFlowIds(edgeA).filter((id) => before.includes(id))).toEqual([]);
  });

  it("Y1 a sender of B over A's per-sender rate is refused at A with 503; B relays it as 500 (RFC 3261 §16.7 step 6)", async () => {
    const answers = [];
    for (let i = 0; i < 13; i++) answers.push((await bob.message(alice.aor, { fromUser: 'flood' })).response.status);
    expect(answers).toEqual([...Array<number>(12).fill(200), 500]);
    expect(await policyDecisions(edgeA, 'sender-rate-limit', 'reply-503')).toBe(1);
  });

  it("F7 a user agent of B claiming a From domain B does not serve is refused 403 at B's border, before anything crosses", async () => {
    const spoofed = await bob.message(alice.aor, { fromUser: 'mallory', fromDomain: 'c.example.org' });
    expect([spoofed.response.status, spoofed.response.reason]).toEqual([
      403,
      'From Domain c.example.org Not Served Here',
    ]); // B's own F7 outbound check
    expect(alice.requests('MESSAGE', spoofed.callId)).toHaveLength(0);
  });

  it("G2 P5 alice watches bob: A raises her Expires to B's published minimum, Kamailio's 2xx respects it, the initial NOTIFY and bob's change cross", async () => {
    await eventually(
      () => edgeA.policyDocuments.entries().some((e) => e.document?.version === B_DOCUMENT_VERSION),
      "A to take B's policy document",
    );
    const { callId, response } = await alice.subscribe(bob.aor, 600);
    aliceWatchesBob = callId;
    expect(response.status, kamailioLog()).toBe(200);
    expect(Number(response.headers.get('expires'))).toBeGreaterThanOrEqual(B_MIN_EXPIRES);
    const [initial] = await alice.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    const published = await bob.publish('open', 'bob-at-his-desk');
    expect(published.response.status, kamailioLog()).toBe(200);
    bobEtag = published.response.headers.get('sip-etag') ?? '';
    await eventually(() => alice.notes(callId).includes('bob-at-his-desk'), "bob's published state at alice");
  });

  it("P8 bob publishes the same state again: B's border holds Kamailio's unchanged NOTIFY, and his next change crosses at once", async () => {
    const before = alice.requests('NOTIFY', aliceWatchesBob).length;
    const held = await policyDecisions(edgeB, 'notify-rate', 'absorb-200');
    const same = await bob.publish('open', 'bob-at-his-desk', bobEtag);
    expect(same.response.status, kamailioLog()).toBe(200);
    // RFC 3903 §4.4: each modification gets a new entity-tag.
    const etag = same.response.headers.get('sip-etag') ?? '';
    await decidedAtLeast(edgeB, 'notify-rate', 'absorb-200', held + 1);
    expect(alice.requests('NOTIFY', aliceWatchesBob)).toHaveLength(before);
    expect((await bob.publish('closed', 'bob-gone-home', etag)).response.status, kamailioLog()).toBe(200);
    await eventually(() => alice.notes(aliceWatchesBob).includes('bob-gone-home'), "bob's change at alice");
  });

  it("I2 P5 bob watches alice: A's built-in presence server sends the initial NOTIFY across, then alice's change", async () => {
    const { callId, response } = await bob.subscribe(alice.aor, 600);
    bobWatchesAlice = callId;
    expect(response.status).toBe(200);
    const [initial] = await bob.waitFor('NOTIFY', callId, 1);
    expect(initial!.headers.get('subscription-state')).toMatch(/^active/);
    expect((await alice.publish('open', 'alice-in-a-meeting')).response.status).toBe(200);
    await eventually(() => bob.notes(callId).includes('alice-in-a-meeting'), "alice's published state at bob");
  });

  it("P6 bob's SUBSCRIBE asking less than A's minimum meets A's 423 with Min-Expires", async () => {
    const { response } = await bob.subscribe(alice.aor, 60);
    expect([response.status, response.headers.get('min-expires')]).toEqual([423, '600']);
    expect(await policyDecisions(edgeA, 'subscription-min-expires', 'reply-423')).toBe(1);
  });

  it("S2 alice's MESSAGE carrying a Record-Route longer than B's limit is answered 513 by B", async () => {
    const long = Array.from(
      { length: 25 },
      (_, i) => `Record-Route: <sip:hop${i}.proxies.a.example.com;lr;x=${'y'.repeat(60)}>`,
    );
    const { callId, response } = await alice.message(bob.aor, { fromUser: 'eric', extra: long });
    expect(response.status).toBe(513);
    expect(await policyDecisions(edgeB, 'record-route-length', 'reply-513')).toBe(1);
    expect(bob.requests('MESSAGE', callId)).toHaveLength(0);
  });

  it('P3 P4 B answers 604 for its distribution list; A caches it, and the next MESSAGE from any A user never leaves A', async () => {
    expect((await alice.message(`list@${B}`)).response.status).toBe(604);
    const again = await alice.message(`list@${B}`, { fromUser: 'carol' });
    expect([again.response.status, again.response.reason]).toEqual([404, `Not Found (604 from ${B} cached)`]);
    expect(await policyDecisions(edgeB, 'no-presence-address', 'reply-604')).toBe(1);
  });

  it("X3 Y2 alice is removed from A's built-in registrar: bob gets NOTIFY terminated;reason=noresource, and her address is refused", async () => {
    expect(await edgeA.community!.registrar.removeUser(alice.aor)).toBe(true);
    await eventually(
      () => bob.subscriptionStates(bobWatchesAlice).includes('terminated;reason=noresource'),
      'the terminating NOTIFY at bob',
    );
    expect((await bob.message(alice.aor)).response.status).toBe(404);
  });

  it("X3 bob is removed from B (Kamailio's community): A's watcher alice gets NOTIFY terminated;reason=noresource, and his address is refused", async () => {
    const removal = await edgeB.subscriptions.removeUser(bob.aor);
    expect(removal.watchers).toBeGreaterThanOrEqual(1);
    await eventually(
      () => alice.subscriptionStates(aliceWatchesBob).includes('terminated;reason=noresource'),
      'the terminating NOTIFY at alice',
    );
    const again = await alice.message(bob.aor, { fromUser: 'carol' });
    expect(again.response.status).toBe(404);
    expect(bob.requests('MESSAGE', again.callId)).toHaveLength(0);
  });

  it("P4 A restarts on its SQLite file: the 604 it learned from B still keeps the distribution list's requests home", async () => {
    await stopEdge(edgeA);
    edgeA = await startA();
    const after = await alice.message(`list@${B}`, { fromUser: 'frank' });
    expect(after.response.status).toBe(404);
    expect(await policyDecisions(edgeB, 'no-presence-address', 'reply-604')).toBe(1);
  });
});
