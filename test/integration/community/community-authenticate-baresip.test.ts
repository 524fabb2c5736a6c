// I2, X2 with a real SIP client: an edge with `community.authenticate: [MESSAGE, SUBSCRIBE, PUBLISH]`
// challenges baresip's requests with 407 (RFC 3261 §22.3); baresip answers with its account's
// credentials, its MESSAGE reaches the other user and its presence the watcher. A client without
// credentials gets the 407.
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
  sipRequest,
  startEdge,
  statusOf,
  stopEdge,
  udpExchange,
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
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-authenticate-'));
  ports = new PortAllocator();
  edgePort = ports.take(2);
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: edgePort }],
    external: [{ transport: 'tls', port: edgePort + 1 }],
    adminPort: ports.take(1),
    logLevel: 'warn',
  });
  edge = await startEdge({
    yaml: `${yaml}community: { authenticate: [MESSAGE, SUBSCRIBE, PUBLISH] }\n`,
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

async function authentications(): Promise<string> {
  return edge.metrics.registry.getSingleMetricAsString('simple_edge_internal_authentications_total');
}

describe('I2 X2 community.authenticate with a real SIP client (baresip)', () => {
  it('I2 challenges baresip’s MESSAGE with 407; its answer with the account credentials reaches the other user', async () => {
    const alice = await client('alice', 'bob');
    const bob = await client('bob', 'alice');
    await Promise.all([alice.waitFor(/200 OK/), bob.waitFor(/200 OK/)]);
    bob.command('/message hello-with-credentials');
    await alice.waitFor(/sip:bob@a\.example\.com.*hello-with-credentials/);
    expect(bob.output).toMatch(/SIP\/2\.0 407 Proxy Authentication Required/);
    expect(bob.output).toMatch(/Proxy-Authorization: Digest username="bob"/);
    // The edge consumed its credentials: alice's copy of the MESSAGE carries none (RFC 3261 §22.3).
    expect(alice.output).not.toMatch(/Proxy-Authorization/i);
    expect(await authentications()).toMatch(/\{outcome="accepted",reason="credentials"\} [1-9]/);
  }, 60_000);

  it('I2 lets bob watch alice once both answer 407: her authenticated PUBLISH reaches his authenticated SUBSCRIBE', async () => {
    const alice = await client('alice', 'bob', true);
    const bob = await client('bob', 'alice', true);
    await Promise.all([alice.waitFor(/200 OK/), bob.waitFor(/200 OK/)]);
    // baresip prints no change from its initial Unknown, so the first state is read from its SIP trace (-s).
    await bob.waitFor(/entity="sip:alice@a\.example\.com">[\s\S]{0,400}<basic>open<\/basic>/);
    expect(alice.output).toMatch(/PUBLISH[\s\S]*Proxy-Authorization: Digest username="alice"/);
    expect(bob.output).toMatch(/SUBSCRIBE[\s\S]*Proxy-Authorization: Digest username="bob"/);
  }, 60_000);

  it('I2 answers a client without credentials 407 with Proxy-Authenticate', async () => {
    const localPort = ports.take(1);
    const response = await udpExchange({
      port: edgePort,
      localPort,
      bytes: sipRequest({
        method: 'MESSAGE',
        requestUri: `sip:alice@${LOCAL_DOMAIN}`,
        transport: 'UDP',
        localPort,
        callId: 'no-credentials-1',
      }),
    });
    expect(statusOf(response)).toBe(407);
    expect(response).toMatch(/\r\nProxy-Authenticate: Digest realm="a\.example\.com", nonce="[^"]+", algorithm=MD5/);
    expect(await authentications()).toMatch(/\{outcome="challenged",reason="no-credentials"\} [1-9]/);
  }, 30_000);
});
