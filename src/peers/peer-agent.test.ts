import { describe, expect, it } from 'vitest';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { parseConfigText } from '../config/load-config.js';
import { isEdgeError } from '../errors.js';
import type { Flow } from '../transport/flow.js';
import type { ConnectDestination } from '../transport/transport-layer.js';
import { PeerAgent, type PeerTransport } from './peer-agent.js';
import { PeerDirectory } from './peer-directory.js';
import { PeerFlowTable } from './peer-flow-table.js';

/** A transport whose dials resolve when the test says so, recording each. */
class FakeTransport implements PeerTransport {
  readonly dials: Array<{ destination: ConnectDestination; resolve: (flow: Flow) => void }> = [];
  readonly flows = new Map<string, Flow>();

  connect(destination: ConnectDestination): Promise<Flow> {
    return new Promise((resolve) => this.dials.push({ destination, resolve }));
  }

  findFlow(id: string): Flow | undefined {
    return this.flows.get(id);
  }
}

function setUp(yaml = '') {
  const parsed = parseConfigText(`domains: [a.example.com]\ndiscovery: { allow: [b.example.net] }\n${yaml}`, 'test');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const directory = new PeerDirectory(parsed.config);
  const table = new PeerFlowTable(directory);
  const transport = new FakeTransport();
  return { table, transport, agent: new PeerAgent({ transport, directory, table }) };
}

const TO_B: ConnectDestination = {
  protocol: 'tls',
  address: '192.0.2.1',
  port: 5061,
  side: 'external',
  servername: 'b.example.net',
};

/** Registers a flow as the transport would once admitted. */
function admitted(
  setup: ReturnType<typeof setUp>,
  direction: 'inbound' | 'outbound',
  remoteAddress = '198.51.100.7',
): RecordingFlow {
  const flow = new RecordingFlow({
    protocol: 'tls',
    peerIdentity: ['b.example.net'],
    remote: { address: remoteAddress, port: 40_000 },
  });
  setup.transport.flows.set(flow.id, flow);
  setup.table.admit({
    id: flow.id,
    side: 'external',
    protocol: 'tls',
    direction,
    peerIdentity: ['b.example.net'],
    spkiSha256: undefined,
    servername: direction === 'outbound' ? 'b.example.net' : undefined,
  });
  return flow;
}

describe('F4 the outbound ladder', () => {
  it('F4 sends a request for a peer over the connection that peer opened, while it is open', async () => {
    const setup = setUp();
    const inbound = admitted(setup, 'inbound');
    expect(await setup.agent.connect(TO_B)).toBe(inbound);
    inbound.isOpen = false;
    void setup.agent.connect(TO_B);
    expect(setup.transport.dials).toHaveLength(1);
  });

  it("F4 prefers the peer's connection from the target's own address, so a Route-set request reaches that server", async () => {
    const setup = setUp();
    admitted(setup, 'inbound', '198.51.100.7');
    const fromTarget = admitted(setup, 'inbound', '192.0.2.1');
    expect(await setup.agent.connect(TO_B)).toBe(fromTarget);
  });

  it('D2 a failover does not land on the shared connection the request already tried', async () => {
    const setup = setUp();
    const inbound = admitted(setup, 'inbound');
    void setup.agent.connect({ ...TO_B, address: '192.0.2.2' }, { avoid: new Set([inbound.id]) });
    expect(setup.transport.dials.map((d) => d.destination.address)).toEqual(['192.0.2.2']);
  });

  it('F4 concurrent sends to one target share one dial', async () => {
    const setup = setUp();
    const sends = [setup.agent.connect(TO_B), setup.agent.connect(TO_B), setup.agent.connect(TO_B)];
    expect(setup.transport.dials).toHaveLength(1);
    const flow = new RecordingFlow({ protocol: 'tls' });
    setup.transport.dials[0]!.resolve(flow);
    expect(await Promise.all(sends)).toEqual([flow, flow, flow]);
  });

  it('F4 refuses to open a connection beyond the peer cap when none can be shared', async () => {
    const setup = setUp('limits: { maxFlowsPerPeer: 1 }');
    admitted(setup, 'outbound');
    const other: ConnectDestination = { ...TO_B, protocol: 'tcp', address: '192.0.2.2' };
    const error: unknown = await setup.agent.connect(other).catch((e: unknown) => e);
    expect(isEdgeError(error) && error.code).toBe('PEER_FLOW_CAP');
    expect(setup.transport.dials).toHaveLength(0);
  });

  it('D1 never dials a denied or, in closed mode, unprovisioned peer', async () => {
    const setup = setUp();
    const error: unknown = await setup.agent.connect({ ...TO_B, servername: 'x.example.org' }).catch((e: unknown) => e);
    expect(isEdgeError(error) && error.code).toBe('PEER_NOT_ALLOWED');
    expect(setup.transport.dials).toHaveLength(0);
  });

  it('I1 internal targets go straight to their pool', async () => {
    const setup = setUp();
    void setup.agent.connect({ protocol: 'udp', address: '10.0.0.5', port: 5060, side: 'internal' });
    expect(setup.transport.dials[0]?.destination.side).toBe('internal');
  });
});
