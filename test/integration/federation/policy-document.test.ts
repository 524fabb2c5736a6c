// G2 between two real edges: B publishes its federation policy document over HTTPS with its own
// certificate; A fetches it when it first connects to B, checks it, and from then on keeps its
// outbound traffic within it — a SUBSCRIBE asking for less than B's minimum is raised to it on the
// way out instead of meeting B's 423 (P6), which it would without the document.

import { afterEach, describe, expect, it } from 'vitest';
import { PolicyDocumentServer } from '../../../src/admin/policy-document-server.js';
import { POLICY_DOCUMENT_PATH } from '../../../src/config/policy-document.js';
import type { Edge } from '../../../src/edge.js';
import { LOOPBACK, startEdge, stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  A,
  alice,
  B,
  bob,
  communityPorts,
  communityYaml,
  edgeTls,
  eventually,
  federationFixture,
  messageRequest,
  newCallId,
  subscribeRequest,
  type CommunityPorts,
} from './federation-lab.js';

const { ports, tlsA, tlsB } = federationFixture();
const running: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop().catch(() => undefined);
});

/** B demands SUBSCRIBE Expires of at least 1800 s (P6 answers 423 below it). */
const B_POLICY = 'policy: { limits: { minSubscriptionExpiresSeconds: 1800 } }';

async function community(
  domain: string,
  own: CommunityPorts,
  peer: CommunityPorts,
  policy: string,
  extra: string[],
): Promise<Edge> {
  const yaml = communityYaml({
    domain,
    ports: own,
    peer: { domain: domain === A ? B : A, externalPorts: [peer.external] },
    extra,
  }).replace('policy: { mode: off }', policy);
  const edge = await startEdge({ yaml, tls: domain === A ? edgeTls(tlsA, tlsB) : edgeTls(tlsB, tlsA) });
  running.push(() => stopEdge(edge));
  return edge;
}

async function twoCommunities(fetch: boolean) {
  const portsA = communityPorts(ports);
  const portsB = communityPorts(ports);
  const documentPort = ports.take(1);
  const uaA = await SipEndpoint.listen({ name: 'ua-a', port: portsA.endpoint });
  const uaB = await SipEndpoint.listen({ name: 'ua-b', port: portsB.endpoint });
  running.push(
    () => uaA.close(),
    () => uaB.close(),
  );
  const edgeB = await community(B, portsB, portsA, B_POLICY, ['policyDocument: { version: 4 }']);
  const published = new PolicyDocumentServer({
    address: LOOPBACK,
    port: documentPort,
    tls: edgeTls(tlsB, tlsA),
    document: () => edgeB.policyDocument(),
  });
  await published.listen();
  running.push(() => published.close());
  const url = `https://${LOOPBACK}:${documentPort}${POLICY_DOCUMENT_PATH}`;
  const edgeA = await community(A, portsA, portsB, 'policy: { mode: enforce }', [
    `policyDocument: { fetch: ${fetch}, peers: [{ peer: ${B}, url: "${url}" }] }`,
  ]);
  const fromA = await uaA.connect(portsA.internal);
  return { edgeA, uaA, uaB, fromA, portsA };
}

describe('G2 the federation policy document between two communities', () => {
  it("G2 A fetches B's document on its first connection and raises a too-short SUBSCRIBE Expires to B's minimum", async () => {
    const { edgeA, uaA, uaB, fromA, portsA } = await twoCommunities(true);
    expect((await uaA.request(fromA, messageRequest(uaA, alice, bob, newCallId('g2-first')))).status).toBe(200);
    await eventually(
      () => edgeA.policyDocuments.entries().some((e) => e.document?.version === 4),
      "A to take B's policy document",
    );
    expect(edgeA.policyDocuments.entries()[0]?.document?.subscription.minExpiresSeconds).toBe(1800);

    const callId = newCallId('g2-subscribe');
    const short = subscribeRequest(uaA, alice, bob, callId, portsA.endpoint).replace('Expires: 600', 'Expires: 60');
    const answer = await uaA.request(fromA, short);
    expect(answer.status).toBe(200);
    const [arrived] = await uaB.waitFor('SUBSCRIBE', callId, 1);
    expect(arrived!.headers.get('expires')).toBe('1800');
  });

  it("G2 without the document the same SUBSCRIBE meets B's 423 (the test above is not passing by accident)", async () => {
    const { edgeA, uaA, fromA, portsA } = await twoCommunities(false);
    expect((await uaA.request(fromA, messageRequest(uaA, alice, bob, newCallId('g2-nofetch')))).status).toBe(200);
    const short = subscribeRequest(uaA, alice, bob, newCallId('g2-423'), portsA.endpoint).replace(
      'Expires: 600',
      'Expires: 60',
    );
    const answer = await uaA.request(fromA, short);
    expect([answer.status, answer.headers.get('min-expires')]).toEqual([423, '1800']);
    expect(edgeA.policyDocuments.entries()).toEqual([]);
  });
});
