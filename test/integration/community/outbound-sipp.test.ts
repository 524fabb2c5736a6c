// I6: RFC 5626 outbound on the built-in registrar with a real client. SIPp registers over TCP (-t t1,
// from an ephemeral port) with a Contact that points nowhere (192.0.2.1:9); a user of the peer
// community b.example.net sends it a MESSAGE over mutual TLS, and the edge delivers it over the
// client's connection. SIPp then exits: the next MESSAGE gets 430 Flow Failed. A new SIPp, on a new
// connection, registers the same instance and reg-id and receives the MESSAGE after it.
//
// A SIPp UAC discards an out-of-dialog request whose Call-ID it does not know (PEERS.md), and a UAS
// scenario cannot register first. So each SIPp run has a fixed Call-ID (-cid_str), its REGISTERs use
// it, and the peer sends its MESSAGE with the same Call-ID: SIPp takes the MESSAGE as the next step
// of its one call. The edge relays a MESSAGE whatever its Call-ID, so this changes nothing it does.
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Edge } from '../../../src/edge.js';
import type { OutboundBindingEvent } from '../../../src/observability/outbound-metrics.js';
import { edgeConfigYaml, edgeTlsOptions, LOCAL_DOMAIN, startEdge, stopEdge } from '../../support/edge-harness.js';
import { requestsReceived, statuses } from '../../support/sipp-outcomes.js';
import { SIPP_PORT_BLOCK, type SippProcess } from '../../support/sipp.js';
import { SippRuns } from '../../support/sipp-runs.js';
import { openEndpointLab, type EndpointLab } from '../subscriptions/endpoint-lab.js';

const PASSWORD = 'wonderland';
/** Where alice's Contact points: TEST-NET-1, port 9 (discard). Nothing there answers. */
const NOWHERE = 'sip:alice@192.0.2.1:9;transport=tcp;ob';
const INSTANCE = 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6';

let lab: EndpointLab | undefined;
let edge: Edge;
let toExternal: Socket;
const runs = new SippRuns({
  common: () => ({
    transport: 'tcp',
    calls: 1,
    timeoutS: 20,
    logDir: lab!.workDir,
    remote: `127.0.0.1:${lab!.ports.internal}`,
  }),
});

beforeAll(async () => {
  lab = await openEndpointLab('outbound-sipp');
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'tcp', port: lab.ports.internal }],
    external: [{ transport: 'tls', port: lab.ports.external }],
    adminPort: lab.allocator.take(),
    logLevel: 'warn',
  });
  edge = await startEdge({ yaml, tls: edgeTlsOptions(lab.files) });
  await edge.community!.directory.add({ address: `alice@${LOCAL_DOMAIN}`, password: PASSWORD, realm: LOCAL_DOMAIN });
  toExternal = await lab.peer.connect(lab.ports.external, lab.peerIdentity);
});

afterEach(() => runs.stopAll());

afterAll(() =>
  lab?.close(async () => {
    if (edge !== undefined) await stopEdge(edge);
  }),
);

/** One SIPp client: registers alice with outbound over its own TCP connection, answers one MESSAGE. */
function client(name: string, callId: string): SippProcess {
  return runs.start(name, 'community/uac-register-outbound.xml', {
    basePort: lab!.allocator.take(SIPP_PORT_BLOCK),
    service: 'alice',
    extraArgs: ['-au', 'alice', '-ap', PASSWORD, '-cid_str', callId],
    keys: { domain: LOCAL_DOMAIN, contact: NOWHERE, instance: INSTANCE, expires: '600' },
  });
}

async function bindingEvents(event: OutboundBindingEvent): Promise<number> {
  const metric = await edge.metrics.outbound.bindings.get();
  return metric.values.find((v) => v.labels.event === event)?.value ?? 0;
}

/** The edge's open flows from community clients over TCP (SIPp's connection). */
function clientFlows() {
  return [...edge.transport.flows].filter((f) => f.side === 'internal' && f.protocol === 'tcp');
}

describe('I6 RFC 5626 outbound with SIPp clients behind a NAT', () => {
  it('I6 delivers a peer MESSAGE over the flow a client registered on, 430 once that flow closed, and over the new flow after the client re-registers the same instance and reg-id', async () => {
    const first = client('alice-first', 'outbound-alice-1@a.example.com');
    await vi.waitFor(async () => expect(await bindingEvents('made')).toBe(1), { timeout: 15_000, interval: 50 });
    const [firstFlow] = clientFlows();
    expect(
      await lab!.messageFromPeer(toExternal, {
        callId: 'outbound-alice-1@a.example.com',
        body: 'hello over your flow',
      }),
    ).toBe(200);
    const firstRun = await runs.succeeded(first);
    expect(statuses(firstRun)).toEqual([401, 200]);
    expect(firstRun.messageLog).toMatch(/^Require: outbound\r?$/m);
    // RFC 3261 §16.5: the Request-URI is the Contact; the connection is the one the client opened.
    expect(requestsReceived(firstRun, 'MESSAGE').map((r) => r.startLine)).toEqual([`MESSAGE ${NOWHERE} SIP/2.0`]);

    // SIPp has exited and its connection closed: the binding's flow is gone (RFC 5626 §5.3).
    await vi.waitFor(() => expect(clientFlows()).toEqual([]), { timeout: 5_000, interval: 20 });
    expect(
      await lab!.messageFromPeer(toExternal, {
        callId: 'outbound-alice-between@a.example.com',
        body: 'hello over your flow',
      }),
    ).toBe(430);

    const second = client('alice-second', 'outbound-alice-2@a.example.com');
    await vi.waitFor(async () => expect(await bindingEvents('made')).toBe(2), { timeout: 15_000, interval: 50 });
    const [secondFlow] = clientFlows();
    expect(secondFlow?.remote.port).not.toBe(firstFlow?.remote.port);
    expect(
      await lab!.messageFromPeer(toExternal, {
        callId: 'outbound-alice-2@a.example.com',
        body: 'hello over your flow',
      }),
    ).toBe(200);
    const secondRun = await runs.succeeded(second);
    expect(requestsReceived(secondRun, 'MESSAGE')).toHaveLength(1);
    expect(await bindingEvents('flow-closed')).toBe(1);
  });
});
