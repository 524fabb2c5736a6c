// F2, F4, F7, I2 against a third-party peer: Kamailio (Debian's kamailio and
// kamailio-tls-modules) as community B's edge over mutual TLS, configured by
// test/fixtures/kamailio-peer/. MESSAGE and SUBSCRIBE/NOTIFY cross both ways between simple-edge
// (community A) and Kamailio, each community's users played by a SIP endpoint on its internal side.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  A,
  alice,
  B,
  bob,
  communityPorts,
  edgeTls,
  eventually,
  federationFixture,
  messageRequest,
  newCallId,
  notifyRequest,
  startCommunityEdge,
  subscribeRequest,
  tlsFlowIds,
  type CommunityPorts,
} from './federation-lab.js';
import { KamailioPeerEdge } from './kamailio-peer-lab.js';

const { ports, tlsA, tlsB } = federationFixture();

let edgeA: Edge;
let kamailio: KamailioPeerEdge | undefined;
let uaA: SipEndpoint;
let uaB: SipEndpoint;
let portsA: CommunityPorts;
let portsB: CommunityPorts;

beforeAll(async () => {
  await ensureDebianPackages(['kamailio', 'kamailio-tls-modules']);
  portsA = communityPorts(ports);
  portsB = communityPorts(ports);
  uaA = await SipEndpoint.listen({ name: 'ua-a', port: portsA.endpoint });
  uaB = await SipEndpoint.listen({ name: 'ua-b', port: portsB.endpoint });
  kamailio = await KamailioPeerEdge.start({
    own: tlsB,
    peer: tlsA,
    tlsPort: portsB.external,
    tcpPort: portsB.internal,
    userAgentPort: portsB.endpoint,
    edgePort: portsA.external,
  });
  edgeA = await startCommunityEdge(
    { domain: A, ports: portsA, peer: { domain: B, externalPorts: [portsB.external] } },
    edgeTls(tlsA, tlsB),
  );
}, 600_000);

afterAll(async () => {
  if (edgeA !== undefined) await stopEdge(edgeA).catch(() => undefined);
  await kamailio?.stop();
  for (const ua of [uaA, uaB]) await ua?.close();
});

describe('F2 F4 F7 simple-edge and Kamailio as the peer edge over mutual TLS', () => {
  it('F4 MESSAGE crosses both ways between simple-edge and Kamailio', async () => {
    const fromA = await uaA.connect(portsA.internal);
    const toB = newCallId('kam-m-ab');
    expect((await uaA.request(fromA, messageRequest(uaA, alice, bob, toB))).status).toBe(200);
    expect(uaB.requests('MESSAGE', toB)).toHaveLength(1);

    const fromB = await uaB.connect(portsB.internal);
    const toA = newCallId('kam-m-ba');
    expect((await uaB.request(fromB, messageRequest(uaB, bob, alice, toA))).status).toBe(200);
    expect(uaA.requests('MESSAGE', toA)).toHaveLength(1);
    // Every connection between the two is mutually authenticated as the other community.
    expect(tlsFlowIds(edgeA).length).toBeGreaterThan(0);
    for (const flow of edgeA.transport.flows) if (flow.protocol === 'tls') expect(flow.peerIdentity).toContain(B);
  });

  it('F4 SUBSCRIBE and its NOTIFY cross both ways between simple-edge and Kamailio', async () => {
    const fromA = await uaA.connect(portsA.internal);
    const fromB = await uaB.connect(portsB.internal);
    await subscribeAcross(uaA, fromA, uaB, alice, bob, portsA.endpoint, portsB);
    await subscribeAcross(uaB, fromB, uaA, bob, alice, portsB.endpoint, portsA);
  });
});

async function subscribeAcross(
  watcherUa: SipEndpoint,
  watcherSocket: Awaited<ReturnType<SipEndpoint['connect']>>,
  notifierUa: SipEndpoint,
  watcher: { user: string; domain: string },
  presentity: { user: string; domain: string },
  watcherPort: number,
  notifierPorts: CommunityPorts,
): Promise<void> {
  const callId = newCallId('kam-sub');
  const ok = await watcherUa.request(
    watcherSocket,
    subscribeRequest(watcherUa, watcher, presentity, callId, watcherPort),
  );
  expect(ok.status).toBe(200);
  const [subscribe] = await notifierUa.waitFor('SUBSCRIBE', callId, 1);
  const fromNotifier = await notifierUa.connect(notifierPorts.internal);
  expect(
    (await notifierUa.request(fromNotifier, notifyRequest(notifierUa, subscribe!, ok, notifierPorts.endpoint))).status,
  ).toBe(200);
  await eventually(() => watcherUa.requests('NOTIFY', callId).length === 1, 'the NOTIFY to reach the watcher');
  fromNotifier.destroy();
}
