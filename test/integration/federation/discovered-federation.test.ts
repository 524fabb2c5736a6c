// Two communities that find each other only through DNS (bind9 from Debian, zones in
// test/fixtures/dns-federation): no static route on either side. A = a.example.com, B = b.example.net,
// each edge with its own CA trusting the other's, a SIP endpoint on each internal side standing in for
// the community's users, registrar and presence server. B's first SRV target is down, so every new
// connection to B fails over to its second (D2).

import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { LOOPBACK, PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  A, B, communityPorts, communityTls, edgeTls, messageRequest, newCallId, notifyRequest, subscribeRequest, tlsFlowIds, type CommunityPorts,
} from './federation-lab.js';

const ports = new PortAllocator();
const tlsA = communityTls(A);
const tlsB = communityTls(B);
const alice = { user: 'alice', domain: A };
const bob = { user: 'bob', domain: B };
const portsA = communityPorts(ports);
const portsB = communityPorts(ports);
/** Where B's first SRV target points: a listener that drops every connection (a dead edge). */
const downPort = ports.take(1);
let downAttempts = 0;
const deadEdge = createServer((socket) => {
  downAttempts++;
  socket.destroy();
});

let bind: Bind9;
let edgeA: Edge;
let edgeB: Edge;
let uaA: SipEndpoint;
let uaB: SipEndpoint;

function yaml(domain: string, own: CommunityPorts, peer: string): string {
  const endpoint = `[{ host: ${LOOPBACK}, port: ${own.endpoint}, transport: tcp }]`;
  return [
    `domains: [${domain}]`,
    'listen:',
    `  internal: [{ transport: tcp, address: ${LOOPBACK}, port: ${own.internal} }]`,
    `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${own.external} }]`,
    `internal: { registrar: ${endpoint}, presence: ${endpoint} }`,
    `discovery: { resolvers: ["${bind.resolver}"], allow: [${peer}], transports: [tls], timeoutMs: 1000 }`,
    'state: { backend: memory }',
    `admin: { listen: "${LOOPBACK}:${own.admin}" }`,
    'log: { level: warn }',
    '',
  ].join('\n');
}

const startA = async (): Promise<Edge> => startEdge({ yaml: yaml(A, portsA, B), tls: edgeTls(tlsA, tlsB) });
const startB = async (): Promise<Edge> => startEdge({ yaml: yaml(B, portsB, A), tls: edgeTls(tlsB, tlsA) });

beforeAll(async () => {
  bind = await startBind9({
    fixtureDir: 'test/fixtures/dns-federation', zones: ['a.example.com', 'b.example.net', 'e164.arpa'],
    substitutions: { A_TLS_PORT: String(portsA.external), B_TLS_PORT: String(portsB.external), B_DOWN_PORT: String(downPort) },
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

/** A MESSAGE from `sender` (its endpoint and internal port) with this Request-URI; the status, and what reached the other side. */
async function send(from: SipEndpoint, internalPort: number, requestUri: string, label: string): Promise<{ status: number; callId: string }> {
  const callId = newCallId(label);
  const socket = await from.connect(internalPort);
  const text = messageRequest(from, from === uaA ? alice : bob, from === uaA ? bob : alice, callId).replace(/^MESSAGE \S+ SIP\/2\.0/, `MESSAGE ${requestUri} SIP/2.0`);
  const response = await from.request(socket, text);
  socket.destroy();
  return { status: response.status, callId };
}

describe('federation through DNS, end to end', () => {
  it('D2 MESSAGE A→B by SIP URI: NAPTR, SRV, and failover from B\'s first edge (down) to its second', async () => {
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

  it('D6 MESSAGE A→B to B\'s old number, which ENUM redirects with an enum: URI to the new one', async () => {
    const { status, callId } = await send(uaA, portsA.internal, 'tel:+15550002', 'enum-redirect');
    expect(status).toBe(200);
    const [arrived] = await uaB.waitFor('MESSAGE', callId, 1);
    expect(arrived!.requestUriText).toMatch(/bob@b\.example\.net$/);
  });

  it('P5 presence across the border: A\'s watcher subscribes to bob@b.example.net and B\'s NOTIFY comes back', async () => {
    const callId = newCallId('dns-sub');
    const socket = await uaA.connect(portsA.internal);
    const ok = await uaA.request(socket, subscribeRequest(uaA, alice, bob, callId, portsA.endpoint));
    expect(ok.status).toBe(200);
    const [subscribe] = await uaB.waitFor('SUBSCRIBE', callId, 1);
    expect(subscribe!.headers.get('accept')).toContain('application/pidf+xml');
    const fromB = await uaB.connect(portsB.internal);
    expect((await uaB.request(fromB, notifyRequest(uaB, subscribe!, ok, portsB.endpoint))).status).toBe(200);
    expect(await uaA.waitFor('NOTIFY', callId, 1)).toHaveLength(1);
    fromB.destroy();
    socket.destroy();
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
});
