// Two communities that find each other only through DNS (bind9 from Debian, zones in
// test/fixtures/dns-federation): no static route on either side. A = a.example.com, B = b.example.net,
// each edge with its own CA trusting the other's, a SIP endpoint on each internal side standing in for
// the community's users, registrar and presence server. B's first SRV target is down, so every new
// connection to B fails over to its second (D2).

import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import type { IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { LOOPBACK, startEdge, stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  A,
  alice,
  B,
  bob,
  communityPorts,
  edgeTls,
  federationFixture,
  messageRequest,
  newCallId,
  notifyRequest,
  subscribeRequest,
  tlsFlowIds,
  type CommunityPorts,
} from './federation-lab.js';

const { ports, tlsA, tlsB } = federationFixture();
const portsA = communityPorts(ports);
const portsB = communityPorts(ports);
/** Where B's first SRV target points: a listener that drops every connection (a dead edge). */
const downPort = ports.take(1);
let downAttempts = 0;
const deadEdge = createServer((socket) => {
  downAttempts++;
  socket.destroy();
});

const stateFile = path.join(mkdtempSync(path.join(tmpdir(), 'simple-edge-e2e-')), 'a.db');
let bind: Bind9;
let edgeA: Edge;
let edgeB: Edge;
let uaA: SipEndpoint;
let uaB: SipEndpoint;

/** B's border policy: a distribution list (P3), a small per-sender rate and recipient cap (Y1). */
const B_POLICY = `policy: { noPresenceAddresses: [list@${B}], limits: { perSender: { capacity: 5, refillPerSecond: 0.01 }, maxDistinctRecipientsPerSender: 3 } }`;

function yaml(domain: string, own: CommunityPorts, peer: string): string {
  const endpoint = `[{ host: ${LOOPBACK}, port: ${own.endpoint}, transport: tcp }]`;
  return [
    `domains: [${domain}]`,
    'listen:',
    `  internal: [{ transport: tcp, address: ${LOOPBACK}, port: ${own.internal} }]`,
    `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${own.external} }]`,
    `internal: { registrar: ${endpoint}, presence: ${endpoint} }`,
    `discovery: { resolvers: ["${bind.resolver}"], allow: [${peer}], transports: [tls], timeoutMs: 1000 }`,
    // A keeps what it learns (the 604 cache) in SQLite, across the restart below.
    domain === A ? `state: { backend: sqlite, path: ${stateFile} }` : 'state: { backend: memory }',
    ...(domain === B ? [B_POLICY] : []),
    `admin: { listen: "${LOOPBACK}:${own.admin}" }`,
    'log: { level: warn }',
    '',
  ].join('\n');
}

const startA = async (): Promise<Edge> => startEdge({ yaml: yaml(A, portsA, B), tls: edgeTls(tlsA, tlsB) });
const startB = async (): Promise<Edge> => startEdge({ yaml: yaml(B, portsB, A), tls: edgeTls(tlsB, tlsA) });

beforeAll(async () => {
  bind = await startBind9({
    fixtureDir: 'test/fixtures/dns-federation',
    zones: ['a.example.com', 'b.example.net', 'e164.arpa'],
    substitutions: {
      A_TLS_PORT: String(portsA.external),
      B_TLS_PORT: String(portsB.external),
      B_DOWN_PORT: String(downPort),
    },
  });
  await new Promise<void>((resolve) => deadEdge.listen(downPort, LOOPBACK, resolve));
  uaA = await SipEndpoint.listen({ name: 'ua-a', port: portsA.endpoint });
  uaB = await SipEndpoint.listen({ name: 'ua-b', port: portsB.endpoint });
  edgeA = await startA();
  edgeB = await startB();
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.allSettled([edgeA, edgeB].filter((e) => e !== undefined).map((e) => stopEdge(e)));
  await Promise.allSettled([uaA?.close(), uaB?.close()]);
  await bind?.stop();
  deadEdge.close();
});

/** A MESSAGE with this Request-URI from a user of the endpoint's community (alice of A, bob of B unless named). */
async function send(
  from: SipEndpoint,
  internalPort: number,
  requestUri: string,
  label: string,
  user?: string,
): Promise<{ status: number; callId: string; reason: string; headers: IncomingResponse['headers'] }> {
  const callId = newCallId(label);
  const socket = await from.connect(internalPort);
  const sender = from === uaA ? { ...alice, user: user ?? alice.user } : { ...bob, user: user ?? bob.user };
  const text = messageRequest(from, sender, from === uaA ? bob : alice, callId).replace(
    /^MESSAGE \S+ SIP\/2\.0/,
    `MESSAGE ${requestUri} SIP/2.0`,
  );
  const response = await from.request(socket, text);
  socket.destroy();
  return { status: response.status, callId, reason: response.reason, headers: response.headers };
}

/** B's decisions of one rule and verdict so far, from its metrics. */
async function decisions(edge: Edge, rule: string, verdict: string): Promise<number> {
  const metric = await edge.metrics.registry.getSingleMetric('simple_edge_policy_decisions_total')?.get();
  return (
    metric?.values
      .filter((v) => v.labels.rule === rule && v.labels.verdict === verdict)
      .reduce((sum, v) => sum + v.value, 0) ?? 0
  );
}

/** The first NOTIFY A's community received with this Subscription-State. */
async function eventuallyNotify(state: string): Promise<IncomingRequest> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = uaA.received
      .map((r) => r.request)
      .find((r) => r.method === 'NOTIFY' && r.headers.get('subscription-state') === state);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no NOTIFY with Subscription-State: ${state} reached A's community`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Requests B's community endpoint has seen with this Call-ID. */
const seenByB = (callId: string): number => uaB.received.filter((r) => r.request.callId === callId).length;

describe('federation through DNS, end to end', () => {
  it("I3 D2 MESSAGE A→B by SIP URI: NAPTR, SRV, and failover from B's first edge (down) to its second", async () => {
    const { status, callId } = await send(uaA, portsA.internal, `sip:bob@${B}`, 'dns-ab');
    expect(status).toBe(200);
    const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toBe(`sip:bob@${B}`);
    expect(downAttempts).toBeGreaterThanOrEqual(1); // edge1 was tried first, as its SRV priority says
    expect(edgeA.peerFlows.count(B, 'outbound')).toBe(1);
  });

  it('D2 MESSAGE B→A by SIP URI, over the connection A already opened', async () => {
    const { status, callId } = await send(uaB, portsB.internal, `sip:alice@${A}`, 'dns-ba');
    expect(status).toBe(200);
    expect(await uaA.waitFor('MESSAGE', callId, 1)).toHaveLength(1);
    expect(tlsFlowIds(edgeB)).toHaveLength(1);
  });

  it('D4 D5 MESSAGE A→B to a tel: number: ENUM E2U+im gives im:bob@b.example.net, found by _im._sip SRV', async () => {
    const { status, callId } = await send(uaA, portsA.internal, 'tel:+1-555-0001', 'enum-im');
    expect(status).toBe(200);
    const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toMatch(/^(im|sip):bob@b\.example\.net$/);
  });

  it("D6 MESSAGE A→B to B's old number, which ENUM redirects with an enum: URI to the new one", async () => {
    const { status, callId } = await send(uaA, portsA.internal, 'tel:+15550002', 'enum-redirect');
    expect(status).toBe(200);
    const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toMatch(/bob@b\.example\.net$/);
  });

  it("P5 presence across the border: A's watcher subscribes to bob@b.example.net and B's NOTIFY comes back", async () => {
    const callId = newCallId('dns-sub');
    const socket = await uaA.connect(portsA.internal);
    const ok = await uaA.request(
      socket,
      subscribeRequest(uaA, { ...alice, user: 'wanda' }, bob, callId, portsA.endpoint),
    );
    expect(ok.status).toBe(200);
    const [subscribe] = await uaB.waitFor('SUBSCRIBE', callId, 1);
    expect(subscribe!.headers.get('accept')).toContain('application/pidf+xml');
    const fromB = await uaB.connect(portsB.internal);
    expect((await uaB.request(fromB, notifyRequest(uaB, subscribe!, ok, portsB.endpoint))).status).toBe(200);
    expect(await uaA.waitFor('NOTIFY', callId, 1)).toHaveLength(1);
    fromB.destroy();
    socket.destroy();
  });

  it('P3 P4 B answers 604 for its distribution list; A caches it, and the next MESSAGE from any A user never leaves A', async () => {
    const first = await send(uaA, portsA.internal, `sip:list@${B}`, 'list-1');
    expect(first.status).toBe(604);
    const again = await send(uaA, portsA.internal, `sip:list@${B}`, 'list-2', 'carol');
    expect([again.status, again.reason]).toEqual([404, `Not Found (604 from ${B} cached)`]);
    expect(seenByB(first.callId) + seenByB(again.callId)).toBe(0);
  });

  it("P6 a SUBSCRIBE asking for less than B's minimum meets B's 423 with Min-Expires", async () => {
    const socket = await uaA.connect(portsA.internal);
    const short = subscribeRequest(uaA, { ...alice, user: 'dora' }, bob, newCallId('short'), portsA.endpoint).replace(
      'Expires: 600',
      'Expires: 60',
    );
    const answer = await uaA.request(socket, short);
    socket.destroy();
    expect([answer.status, answer.headers.get('min-expires')]).toEqual([423, '600']);
  });

  it("S2 a request carrying a Record-Route longer than B's limit is answered 513 by B", async () => {
    const socket = await uaA.connect(portsA.internal);
    const long = Array.from(
      { length: 25 },
      (_, i) => `Record-Route: <sip:hop${i}.proxies.a.example.com;lr;transport=tcp;x=${'y'.repeat(60)}>`,
    ).join('\r\n');
    const text = messageRequest(uaA, { ...alice, user: 'eric' }, bob, newCallId('rr')).replace(
      'Max-Forwards: 70',
      `Max-Forwards: 70\r\n${long}`,
    );
    const answer = await uaA.request(socket, text);
    socket.destroy();
    expect(answer.status).toBe(513);
  });

  it("Y1 a sender over B's per-sender rate is refused at B; A relays it as 500 (RFC 3261 §16.7 step 6)", async () => {
    const burst = [];
    for (let i = 0; i < 6; i++) burst.push((await send(uaA, portsA.internal, `sip:bob@${B}`, 'rate', 'flood')).status);
    expect(burst).toEqual([200, 200, 200, 200, 200, 500]);
    expect(await decisions(edgeB, 'sender-rate-limit', 'reply-503')).toBe(1); // asked once: no second try at the same server
  });

  it("Y1 a sender walking B's users is cut off after maxDistinctRecipientsPerSender, with tokens to spare", async () => {
    const walk = [];
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5'])
      walk.push((await send(uaA, portsA.internal, `sip:${user}@${B}`, 'walk', 'walker')).status);
    expect(walk).toEqual([200, 200, 200, 500, 500]);
    expect(await decisions(edgeB, 'sender-recipient-cap', 'reply-503')).toBe(2);
  });

  it("X3 a user of B is removed: A's watcher receives NOTIFY terminated;reason=noresource, and the address is refused from then on", async () => {
    const removal = await edgeB.subscriptions.removeUser(`bob@${B}`);
    expect(removal.watchers).toBeGreaterThanOrEqual(1);
    const terminated = await eventuallyNotify('terminated;reason=noresource');
    expect(terminated.from.uri).toMatchObject({ user: 'bob', host: B });
    const socket = await uaA.connect(portsA.internal);
    const again = await uaA.request(
      socket,
      subscribeRequest(uaA, { ...alice, user: 'wanda' }, bob, newCallId('after-removal'), portsA.endpoint),
    );
    socket.destroy();
    expect(again.status).toBe(404);
  });

  it('D2 B restarts: A reconnects on demand and the next MESSAGE crosses', async () => {
    const [before] = tlsFlowIds(edgeA);
    await stopEdge(edgeB);
    edgeB = await startB();
    const { status, callId } = await send(uaA, portsA.internal, `sip:bob@${B}`, 'after-restart');
    expect(status).toBe(200);
    expect(await uaB.waitFor('MESSAGE', callId, 1)).toHaveLength(1);
    expect(tlsFlowIds(edgeA)).not.toContain(before);
  });

  it("P4 A restarts on its SQLite file: the 604 it learned from B still keeps the distribution list's requests home", async () => {
    await stopEdge(edgeA);
    edgeA = await startA();
    const after = await send(uaA, portsA.internal, `sip:list@${B}`, 'list-after-restart', 'frank');
    expect(after.status).toBe(404);
    expect(seenByB(after.callId)).toBe(0);
  });
});
