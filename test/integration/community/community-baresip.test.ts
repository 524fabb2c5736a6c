// I2 with a real SIP client on the built-in community. Two baresip instances register to the edge's
// built-in registrar (digest), and a MESSAGE one sends is printed by the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Edge } from '../../../src/edge.js';
import { createLogger } from '../../../src/observability/logger.js';
import { ensureDebianPackages } from '../../support/apt.js';
import { Baresip } from '../../support/baresip.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  makeCertificates,
  PortAllocator,
  startEdge,
  stopEdge,
} from '../../support/edge-harness.js';

const PASSWORD = 'wonderland';
let workDir: string;
let ports: PortAllocator;
let edge: Edge;
let edgePort: number;
const clients: Baresip[] = [];

beforeAll(async () => {
  // A fresh CI machine installs baresip here (as root), not inside the test's own time limit.
  await ensureDebianPackages(['baresip']);
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-baresip-'));
  ports = new PortAllocator();
  edgePort = ports.take(2);
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: edgePort }],
    external: [{ transport: 'tls', port: edgePort + 1 }],
    adminPort: ports.take(1),
    logLevel: 'warn',
  });
  edge = await startEdge({
    yaml,
    tls: edgeTlsOptions(makeCertificates(path.join(workDir, 'certs'))),
    logger: createLogger({ level: 'error' }),
  });
  for (const user of ['alice', 'bob'])
    await edge.community!.directory.add({
      address: `${user}@${LOCAL_DOMAIN}`,
      password: PASSWORD,
      realm: LOCAL_DOMAIN,
    });
}, 600_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.stop()));
  await stopEdge(edge);
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
});

async function client(user: string, peer: string, presence = false): Promise<Baresip> {
  const base = ports.take(4);
  const started = await Baresip.start({
    name: `${user}${presence ? '-presence' : ''}`,
    workDir,
    sipPort: base,
    ctrlPort: base + 2,
    edgePort,
    user,
    domain: LOCAL_DOMAIN,
    password: PASSWORD,
    contacts: [`sip:${peer}@${LOCAL_DOMAIN}`],
    runSeconds: 30,
    ...(presence ? { presence: { publishSeconds: 600 } } : {}),
  });
  clients.push(started);
  return started;
}

describe('I2 built-in registrar with a real SIP client (baresip)', () => {
  it('registers two baresip clients with digest, and a MESSAGE from bob is printed by alice', async () => {
    const alice = await client('alice', 'bob');
    const bob = await client('bob', 'alice');
    await Promise.all([alice.waitFor(/200 OK/), bob.waitFor(/200 OK/)]);
    bob.command('/message hello-from-bob');
    // The line baresip prints for a received message (its SIP trace holds the text too, on another line).
    await alice.waitFor(/sip:bob@a\.example\.com.*hello-from-bob/);
    expect(alice.output).toMatch(/sip:bob@a\.example\.com.*hello-from-bob/);
  }, 60_000);

  it('lets bob watch alice: her PUBLISHed status reaches him through the built-in presence server, and its change too', async () => {
    const alice = await client('alice', 'bob', true);
    const bob = await client('bob', 'alice', true);
    await Promise.all([alice.waitFor(/200 OK/), bob.waitFor(/200 OK/)]);
    // baresip prints no change from its initial Unknown, so the first state is read from its SIP trace (-s).
    await bob.waitFor(/entity="sip:alice@a\.example\.com">[\s\S]{0,400}<basic>open<\/basic>/);
    alice.command('/presence_offline');
    await bob.waitFor(/<sip:alice@a\.example\.com> changed status from \S*Online\S* to \S*Offline/);
  }, 60_000);
});
