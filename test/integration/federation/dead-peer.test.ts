// F5: a peer edge that stops answering (its process stopped with SIGSTOP: the kernel keeps the
// TCP connection up, nothing reads it) is found dead by the CRLF keepalive, and the request waiting on
// it fails over to the peer's next target — long before timer F would end it.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { stopEdge } from '../../support/edge-harness.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';
import {
  A,
  alice,
  B,
  bob,
  communityPorts,
  communityYaml,
  edgeTls,
  federationFixture,
  messageRequest,
  newCallId,
  startCommunityEdge,
  tlsFlowIds,
  writeTlsFiles,
  type CommunityPorts,
} from './federation-lab.js';

const { ports, tlsA, tlsB } = federationFixture();
/** Short, so the test waits about a second; the default is 30 s (limits.keepaliveIntervalMs). */
const KEEPALIVE_MS = 400;

let edgeA: Edge;
let spareB: Edge;
let stoppedB: EdgeProcess;
let uaA: SipEndpoint;
let uaB: SipEndpoint;
let uaSpare: SipEndpoint;
let portsA: CommunityPorts;
let portsB: CommunityPorts;

beforeAll(async () => {
  await ensureBuilt();
  portsA = communityPorts(ports);
  portsB = communityPorts(ports);
  const portsSpare = communityPorts(ports);
  uaA = await SipEndpoint.listen({ name: 'ua-a', port: portsA.endpoint });
  uaB = await SipEndpoint.listen({ name: 'ua-b', port: portsB.endpoint });
  uaSpare = await SipEndpoint.listen({ name: 'ua-b-spare', port: portsSpare.endpoint });
  // B's first edge is a real process, so it can be stopped; its second runs in this process.
  const files = writeTlsFiles(tlsB, tlsA);
  const configB = communityYaml({
    domain: B,
    ports: portsB,
    peer: { domain: A, externalPorts: [portsA.external] },
    tlsFiles: files,
  });
  writeFileSync(path.join(files.dir, 'edge.yaml'), configB);
  stoppedB = await EdgeProcess.start({ cwd: files.dir, configFile: 'edge.yaml', listeners: 2 });
  spareB = await startCommunityEdge(
    { domain: B, ports: portsSpare, peer: { domain: A, externalPorts: [portsA.external] } },
    edgeTls(tlsB, tlsA),
  );
  edgeA = await startCommunityEdge(
    {
      domain: A,
      ports: portsA,
      peer: { domain: B, externalPorts: [portsB.external, portsSpare.external] },
      limits: { keepaliveIntervalMs: KEEPALIVE_MS },
    },
    edgeTls(tlsA, tlsB),
  );
}, 240_000);

afterAll(async () => {
  await stoppedB?.kill('SIGKILL');
  for (const edge of [edgeA, spareB]) if (edge !== undefined) await stopEdge(edge).catch(() => undefined);
  for (const ua of [uaA, uaB, uaSpare]) await ua?.close();
});

describe('F5 keepalive finds a dead peer', () => {
  it('F5 a request pending on a stopped peer fails over to its next target once the keepalive goes unanswered', async () => {
    const fromA = await uaA.connect(portsA.internal);
    const first = newCallId('alive');
    expect((await uaA.request(fromA, messageRequest(uaA, alice, bob, first))).status).toBe(200);
    expect(uaB.requests('MESSAGE', first)).toHaveLength(1);
    const [toStopped] = tlsFlowIds(edgeA);

    process.kill(stoppedB.pid!, 'SIGSTOP');
    const second = newCallId('after-stop');
    // Bounded at 8 s: timer F (32 s) cannot be what ends it; only the keepalive can, in about a second.
    const response = await uaA.request(fromA, messageRequest(uaA, alice, bob, second), 8_000);
    expect(response.status).toBe(200);
    expect(uaSpare.requests('MESSAGE', second)).toHaveLength(1);
    expect(edgeA.transport.stats.keepaliveTimeouts).toBe(1);
    expect(tlsFlowIds(edgeA)).not.toContain(toStopped);
    expect(edgeA.peerFlows.count(B, 'outbound')).toBe(1);
  });

  it('F5 with no other target, the request pending on a stopped peer is answered 503 once the keepalive goes unanswered', async () => {
    process.kill(stoppedB.pid!, 'SIGCONT');
    const portsLone = communityPorts(ports);
    const uaLone = await SipEndpoint.listen({ name: 'ua-a-lone', port: portsLone.endpoint });
    const lone = await startCommunityEdge(
      {
        domain: A,
        ports: portsLone,
        peer: { domain: B, externalPorts: [portsB.external] },
        limits: { keepaliveIntervalMs: KEEPALIVE_MS },
      },
      edgeTls(tlsA, tlsB),
    );
    try {
      const fromA = await uaLone.connect(portsLone.internal);
      expect((await uaLone.request(fromA, messageRequest(uaLone, alice, bob, newCallId('lone-alive')))).status).toBe(
        200,
      );
      process.kill(stoppedB.pid!, 'SIGSTOP');
      const response = await uaLone.request(
        fromA,
        messageRequest(uaLone, alice, bob, newCallId('lone-stopped')),
        8_000,
      );
      expect(response.status).toBe(503);
      expect(lone.transport.stats.keepaliveTimeouts).toBe(1);
    } finally {
      await stopEdge(lone);
      await uaLone.close();
    }
  });
});
