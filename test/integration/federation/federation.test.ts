// F4, F7, D1, G1 between two real edges on loopback: community A (a.example.com) and B
// (b.example.net), each with its own CA, mutual TLS between them, a SIP endpoint on each internal side.

import { createServer as createTlsServer, type Server } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { LOOPBACK, RawStreamClient, statusOf, stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint, sipMessage } from '../subscriptions/sip-endpoint.js';
import {
  A,
  alice,
  B,
  bob,
  communityPorts,
  edgeTls,
  eventually,
  federationFixture,
  IMPOSTOR,
  messageRequest,
  newCallId,
  notifyRequest,
  startCommunityEdge,
  subscribeRequest,
  tlsFlowIds,
  type CommunityConfig,
  type CommunityPorts,
} from './federation-lab.js';

const { ports, tlsA, tlsB } = federationFixture();

interface Pair {
  readonly edgeA: Edge;
  readonly edgeB: Edge;
  readonly uaA: SipEndpoint;
  readonly uaB: SipEndpoint;
  readonly portsA: CommunityPorts;
  readonly portsB: CommunityPorts;
}

const running: Array<() => Promise<void>> = [];

async function startPair(options: { a?: Partial<CommunityConfig>; b?: Partial<CommunityConfig> } = {}): Promise<Pair> {
  const portsA = communityPorts(ports);
  const portsB = communityPorts(ports);
  const uaA = await SipEndpoint.listen({ name: 'ua-a', port: portsA.endpoint });
  const uaB = await SipEndpoint.listen({ name: 'ua-b', port: portsB.endpoint });
  running.push(
    () => uaA.close(),
    () => uaB.close(),
  );
  const edgeA = await startCommunityEdge(
    { domain: A, ports: portsA, peer: { domain: B, externalPorts: [portsB.external] }, ...options.a },
    edgeTls(tlsA, tlsB),
  );
  running.push(() => stopEdge(edgeA));
  const edgeB = await startCommunityEdge(
    { domain: B, ports: portsB, peer: { domain: A, externalPorts: [portsA.external] }, ...options.b },
    edgeTls(tlsB, tlsA),
  );
  running.push(() => stopEdge(edgeB));
  return { edgeA, edgeB, uaA, uaB, portsA, portsB };
}

afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop().catch(() => undefined);
});

describe('F4 one shared connection between two communities', () => {
  it('F4 MESSAGE and SUBSCRIBE/NOTIFY cross both ways over the one TLS connection A opened', async () => {
    const pair = await startPair();
    const fromA = await pair.uaA.connect(pair.portsA.internal);
    const fromB = await pair.uaB.connect(pair.portsB.internal);

    expect((await pair.uaA.request(fromA, messageRequest(pair.uaA, alice, bob, newCallId('m-ab')))).status).toBe(200);
    const [flowA] = tlsFlowIds(pair.edgeA);
    const [flowB] = tlsFlowIds(pair.edgeB);
    expect(flowA).toContain('->'); // A dialled B
    expect(flowB).toContain('<-');

    // B's requests to A travel over the connection A opened, not a second one.
    expect((await pair.uaB.request(fromB, messageRequest(pair.uaB, bob, alice, newCallId('m-ba')))).status).toBe(200);
    await subscribeAndNotify(pair.uaA, fromA, pair.uaB, alice, bob, pair.portsA.endpoint, pair.portsB);
    await subscribeAndNotify(pair.uaB, fromB, pair.uaA, bob, alice, pair.portsB.endpoint, pair.portsA);

    expect(tlsFlowIds(pair.edgeA)).toEqual([flowA]);
    expect(tlsFlowIds(pair.edgeB)).toEqual([flowB]);
    expect(pair.edgeA.peerFlows.count(B, 'outbound')).toBe(1);
    expect(pair.edgeB.peerFlows.count(A, 'inbound')).toBe(1);
    expect(pair.edgeB.transport.gauges.dialsInProgress).toBe(0);
  });

  it('F4 many dialogs at once, both ways, share the one open connection', async () => {
    const pair = await startPair();
    const fromA = await pair.uaA.connect(pair.portsA.internal);
    const fromB = await pair.uaB.connect(pair.portsB.internal);
    // Opened first: two edges dialling each other at the same instant would each open one (no tie-break).
    expect((await pair.uaA.request(fromA, messageRequest(pair.uaA, alice, bob, newCallId('open')))).status).toBe(200);
    const sends = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? pair.uaA.request(fromA, messageRequest(pair.uaA, alice, bob, newCallId('many-ab')))
        : pair.uaB.request(fromB, messageRequest(pair.uaB, bob, alice, newCallId('many-ba'))),
    );
    const subscribes = Array.from({ length: 5 }, () =>
      pair.uaA.request(fromA, subscribeRequest(pair.uaA, alice, bob, newCallId('many-sub'), pair.portsA.endpoint)),
    );
    const statuses = (await Promise.all([...sends, ...subscribes])).map((r) => r.status);
    expect(statuses).toEqual(Array(25).fill(200));
    expect(tlsFlowIds(pair.edgeA)).toHaveLength(1);
    expect(tlsFlowIds(pair.edgeB)).toHaveLength(1);
  });

  it('F4 an idle connection closes and the next request opens a new one', async () => {
    const pair = await startPair({ a: { limits: { idleTimeoutMs: 1000 } }, b: { limits: { idleTimeoutMs: 1000 } } });
    const fromA = await pair.uaA.connect(pair.portsA.internal);
    expect((await pair.uaA.request(fromA, messageRequest(pair.uaA, alice, bob, newCallId('idle-1')))).status).toBe(200);
    const [first] = tlsFlowIds(pair.edgeA);
    await eventually(
      () => tlsFlowIds(pair.edgeA).length === 0 && tlsFlowIds(pair.edgeB).length === 0,
      'the idle connection to close',
    );
    expect(pair.edgeA.peerFlows.count(B, 'outbound')).toBe(0);
    const again = await pair.uaA.connect(pair.portsA.internal); // the user agent's own connection idled out too
    expect((await pair.uaA.request(again, messageRequest(pair.uaA, alice, bob, newCallId('idle-2')))).status).toBe(200);
    const reopened = tlsFlowIds(pair.edgeA);
    expect(reopened).toHaveLength(1);
    expect(reopened[0]).not.toBe(first);
  });
});

describe('F2, F7, D1 who may federate', () => {
  it('D1 a peer whose certificate names a domain this community does not federate with is refused after the handshake', async () => {
    const pair = await startPair();
    // Chains to B's CA, which A trusts, but names c.example.org.
    const impostor = await RawStreamClient.connect({
      port: pair.portsA.external,
      tls: { ...pem(tlsB.pki.client), ca: Buffer.from(tlsA.pki.ca) },
    });
    expect(await impostor.closedByEdge()).toBe(true);
    expect(pair.edgeA.peerFlows.stats.refused['not-allowed']).toBe(1);
    expect(pair.edgeA.transport.stats.refusedPeerConnections).toBe(1);
  });

  it('F2 an outbound connection whose certificate names another domain is refused, and the request answered 503', async () => {
    const rogue = await rogueServer(ports.take());
    try {
      const pair = await startPair({
        a: {
          routes: [`{ domain: d.example.net, targets: [{ host: ${LOOPBACK}, port: ${rogue.port}, transport: tls }] }`],
        },
      });
      const fromA = await pair.uaA.connect(pair.portsA.internal);
      const response = await pair.uaA.request(
        fromA,
        messageRequest(pair.uaA, alice, { user: 'dan', domain: 'd.example.net' }, newCallId('rogue')),
      );
      expect(response.status).toBe(503);
      // RFC 5922 §7.3: refused by the TLS dial itself, before the connection could become a flow.
      expect([...pair.edgeA.transport.flows].filter((flow) => flow.side === 'external')).toEqual([]);
    } finally {
      rogue.server.close();
    }
  });

  it('F7 a request whose From domain the connection is not authenticated for is answered 403', async () => {
    const pair = await startPair();
    const peer = await RawStreamClient.connect({
      port: pair.portsA.external,
      tls: { ...pem(tlsB.pki.server), ca: Buffer.from(tlsA.pki.ca) },
    });
    const callId = newCallId('spoof');
    peer.write(
      sipMessage([
        `MESSAGE sip:alice@${A} SIP/2.0`,
        `Via: SIP/2.0/TLS ${LOOPBACK}:5061;branch=z9hG4bK-${callId}`,
        'Max-Forwards: 70',
        `From: <sip:mallory@${IMPOSTOR}>;tag=1`,
        `To: <sip:alice@${A}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 MESSAGE',
      ]),
    );
    expect(statusOf(await peer.nextFinalResponse())).toBe(403);
    expect(pair.uaA.requests('MESSAGE', callId)).toEqual([]);
    peer.close();
  });

  it('F4 a connection above the per-peer cap of the agreement is refused; one below it is admitted', async () => {
    const pair = await startPair({ a: { extra: [`agreements: [{ peer: ${B}, maxInboundFlows: 1 }]`] } });
    const tls = { ...pem(tlsB.pki.server), ca: Buffer.from(tlsA.pki.ca) };
    const first = await RawStreamClient.connect({ port: pair.portsA.external, tls });
    await eventually(() => pair.edgeA.peerFlows.count(B, 'inbound') === 1, 'the first connection to be admitted');
    const second = await RawStreamClient.connect({ port: pair.portsA.external, tls });
    expect(await second.closedByEdge()).toBe(true);
    expect(first.isClosed).toBe(false);
    expect(pair.edgeA.peerFlows.stats.refused.cap).toBe(1);
    const exposition = await pair.edgeA.metrics.registry.metrics();
    expect(exposition).toContain('simple_edge_peer_connections_refused_total{reason="cap"} 1');
    expect(exposition).toContain(`simple_edge_peer_connections{peer="${B}",direction="inbound"} 1`);
    first.close();
    await eventually(() => pair.edgeA.peerFlows.count(B, 'inbound') === 0, 'the first connection to be forgotten');
    const third = await RawStreamClient.connect({ port: pair.portsA.external, tls });
    await eventually(() => pair.edgeA.peerFlows.count(B, 'inbound') === 1, 'the third connection to be admitted');
    third.close();
  });

  it('G1 a peer whose certificate key is not the pinned one is refused', async () => {
    const pin = 'A'.repeat(43) + '=';
    const pair = await startPair({ a: { extra: [`agreements: [{ peer: ${B}, trust: { spki: ["${pin}"] } }]`] } });
    const peer = await RawStreamClient.connect({
      port: pair.portsA.external,
      tls: { ...pem(tlsB.pki.server), ca: Buffer.from(tlsA.pki.ca) },
    });
    expect(await peer.closedByEdge()).toBe(true);
    expect(pair.edgeA.peerFlows.stats.refused.untrusted).toBe(1);
  });
});

function pem(issued: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  return { cert: Buffer.from(issued.cert), key: Buffer.from(issued.key) };
}

/** SUBSCRIBE from `watcher` to `presentity`, 200 from the far endpoint, then its NOTIFY back, all relayed. */
async function subscribeAndNotify(
  watcherUa: SipEndpoint,
  watcherSocket: Awaited<ReturnType<SipEndpoint['connect']>>,
  notifierUa: SipEndpoint,
  watcher: { user: string; domain: string },
  presentity: { user: string; domain: string },
  watcherPort: number,
  notifierPorts: CommunityPorts,
): Promise<void> {
  const callId = newCallId('sub');
  const ok = await watcherUa.request(
    watcherSocket,
    subscribeRequest(watcherUa, watcher, presentity, callId, watcherPort),
  );
  expect(ok.status).toBe(200);
  const [subscribe] = await notifierUa.waitFor('SUBSCRIBE', callId, 1);
  const fromNotifier = await notifierUa.connect(notifierPorts.internal);
  const notified = await notifierUa.request(
    fromNotifier,
    notifyRequest(notifierUa, subscribe!, ok, notifierPorts.endpoint),
  );
  expect(notified.status).toBe(200);
  expect(await watcherUa.waitFor('NOTIFY', callId, 1)).toHaveLength(1);
  fromNotifier.destroy();
}

/** A TLS server presenting a certificate for c.example.org from a CA A trusts (B's). */
async function rogueServer(port: number): Promise<{ server: Server; port: number }> {
  const server = createTlsServer(
    { ...pem(tlsB.pki.client), ca: tlsA.pki.ca, requestCert: true, rejectUnauthorized: false },
    (socket) => socket.on('error', () => undefined),
  );
  await new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
  return { server, port };
}
