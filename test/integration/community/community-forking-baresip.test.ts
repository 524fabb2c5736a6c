// SPEC I5 with real clients: alice uses two devices, two baresip instances registered as the same user
// with the built-in registrar (two bindings). A MESSAGE from bob in the peer community b.example.net,
// arriving over mutual TLS on the external side, reaches both devices (RFC 3261 §16.6, RFC 3428), and
// bob gets one 200.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { Baresip } from '../../support/baresip.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  PEER_DOMAIN,
  startEdge,
  stopEdge,
} from '../../support/edge-harness.js';
import { openEndpointLab, type EndpointLab } from '../subscriptions/endpoint-lab.js';
import type { SipEndpoint } from '../subscriptions/sip-endpoint.js';

const PASSWORD = 'wonderland';
let lab: EndpointLab | undefined;
let edge: Edge | undefined;
let peer: SipEndpoint;
let toExternal: Socket;
let internalPort: number;
const devices: Baresip[] = [];

beforeAll(async () => {
  // A fresh CI machine installs baresip here (as root), not inside the test's own time limit.
  await ensureDebianPackages(['baresip']);
  lab = await openEndpointLab('forking-baresip');
  peer = lab.peer;
  // baresip talks UDP to its outbound proxy: the edge's internal listener is UDP here.
  internalPort = lab.ports.internal;
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: internalPort }],
    external: [{ transport: 'tls', port: lab.ports.external }],
    peer: [{ port: lab.ports.peer, transport: 'tls' }],
    adminPort: lab.allocator.take(),
    logLevel: 'warn',
  });
  edge = await startEdge({ yaml, tls: edgeTlsOptions(lab.files), logger: createLogger({ level: 'error' }) });
  await edge.community!.directory.add({ address: `alice@${LOCAL_DOMAIN}`, password: PASSWORD, realm: LOCAL_DOMAIN });
  toExternal = await peer.connect(lab.ports.external, lab.peerIdentity);
}, 600_000);

afterAll(async () => {
  await Promise.all(devices.map((device) => device.stop()));
  await lab?.close(async () => {
    if (edge !== undefined) await stopEdge(edge);
  });
});

async function device(name: string): Promise<Baresip> {
  // baresip binds its SIP port and the next (TLS): four ports keep two instances apart.
  const base = lab!.allocator.take(4);
  const started = await Baresip.start({
    name,
    workDir: lab!.workDir,
    sipPort: base,
    ctrlPort: base + 2,
    edgePort: internalPort,
    user: 'alice',
    domain: LOCAL_DOMAIN,
    password: PASSWORD,
    contacts: [`sip:bob@${PEER_DOMAIN}`],
    runSeconds: 40,
  });
  devices.push(started);
  return started;
}

describe('I5 forking to every binding, with real clients (baresip)', () => {
  it('I5 delivers a MESSAGE from a peer community over mutual TLS to both of alice’s registered devices', async () => {
    const phone = await device('alice-phone');
    const desktop = await device('alice-desktop');
    await Promise.all([phone.waitFor(/200 OK/), desktop.waitFor(/200 OK/)]);
    const answered = await lab!.messageFromPeer(toExternal, {
      callId: 'forked-message@b.example.net',
      body: 'hello-both-devices',
    });
    expect(answered).toBe(200);
    // The line baresip prints for a received message; each device prints it once.
    const printed = /sip:bob@b\.example\.net.*hello-both-devices/;
    await Promise.all([phone.waitFor(printed), desktop.waitFor(printed)]);
    expect(phone.output).toMatch(printed);
    expect(desktop.output).toMatch(printed);
    const metrics = await edge!.metrics.registry.metrics();
    expect(metrics).toMatch(/simple_edge_fork_branches_count\{method="MESSAGE"\} 1/);
  }, 90_000);
});
