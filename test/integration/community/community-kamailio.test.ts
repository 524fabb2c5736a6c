// I1/I2: the same edge with Kamailio as the internal registrar and presence server
// (test/fixtures/kamailio/community.cfg). SIPp user agents talk to the edge only; the edge forwards
// REGISTER (Kamailio's own digest challenge passes through), MESSAGE, PUBLISH and SUBSCRIBE to
// Kamailio, and Kamailio's NOTIFYs come back through the edge's Record-Route.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Edge } from '../../../src/edge.js';
import {
  edgeConfigYaml,
  edgeTlsOptions,
  LOCAL_DOMAIN,
  LOOPBACK,
  makeCertificates,
  PortAllocator,
  startEdge,
  stopEdge,
} from '../../support/edge-harness.js';
import { KamailioCommunity } from '../../support/kamailio-community.js';
import { requestsReceived, statuses } from '../../support/sipp-outcomes.js';
import { SIPP_PORT_BLOCK, type SippProcess } from '../../support/sipp.js';
import { SippRuns } from '../../support/sipp-runs.js';

const PASSWORD = 'wonderland';
let workDir: string;
let ports: PortAllocator;
let edge: Edge;
let kamailio: KamailioCommunity;
let edgePort: number;
const runs = new SippRuns({
  common: () => ({ transport: 'udp', calls: 1, timeoutS: 20, logDir: workDir, remote: `${LOOPBACK}:${edgePort}` }),
  diagnostics: () => `kamailio:\n${kamailio.log}`,
});

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-kamailio-community-'));
  ports = new PortAllocator();
  kamailio = await KamailioCommunity.start({ port: ports.take(1), workDir, password: PASSWORD });
  edgePort = ports.take(2);
  const internal = [{ port: kamailio.port, transport: 'udp' as const }];
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'udp', port: edgePort }],
    external: [{ transport: 'tls', port: edgePort + 1 }],
    registrar: internal,
    presence: internal,
    adminPort: ports.take(1),
    logLevel: 'warn',
  });
  edge = await startEdge({ yaml, tls: edgeTlsOptions(makeCertificates(path.join(workDir, 'certs'))) });
}, 600_000);

afterEach(() => runs.stopAll());

afterAll(async () => {
  await stopEdge(edge);
  await kamailio.stop();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('I1 I2 the edge in front of Kamailio as internal registrar and presence server', () => {
  it("relays REGISTER with Kamailio's digest challenge, and a MESSAGE to the user reaches the contact Kamailio holds", async () => {
    const alicePort = ports.take(SIPP_PORT_BLOCK);
    const aliceUa = runs.startServer('alice-ua', 'uas-message.xml', { basePort: alicePort });
    await aliceUa.listening();
    const registration = await runs.succeeded(
      runs.start('register-alice', 'community/uac-register.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'alice',
        extraArgs: ['-au', 'alice', '-ap', PASSWORD],
        keys: { domain: LOCAL_DOMAIN, contact: `sip:alice@${LOOPBACK}:${alicePort}`, expires: '600' },
      }),
    );
    expect(statuses(registration)).toEqual([401, 200]);
    const message = await runs.succeeded(
      runs.start('bob-message', 'community/uac-message.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'alice',
        keys: { domain: LOCAL_DOMAIN, from_user: 'bob' },
      }),
    );
    expect(statuses(message)).toEqual([200]);
    const delivered = await runs.succeeded(aliceUa);
    expect(requestsReceived(delivered, 'MESSAGE')).toHaveLength(1);
  });

  it('relays PUBLISH and SUBSCRIBE to Kamailio, and its NOTIFYs reach the watcher with the published RPID and CIPID', async () => {
    const watcherPort = ports.take(SIPP_PORT_BLOCK);
    const watcher = runs.start('watcher', 'community/uac-watch.xml', {
      basePort: watcherPort,
      service: 'alice',
      keys: { domain: LOCAL_DOMAIN, contact: `sip:watcher@${LOOPBACK}:${watcherPort}` },
    });
    await firstNotify(watcher);
    const published = await runs.succeeded(
      runs.start('alice-publish', 'community/uac-publish.xml', {
        basePort: ports.take(SIPP_PORT_BLOCK),
        service: 'alice',
        keys: { domain: LOCAL_DOMAIN },
      }),
    );
    expect(statuses(published)).toEqual([200]);
    const watched = await runs.succeeded(watcher);
    expect(requestsReceived(watched, 'NOTIFY').map((n) => n.value('subscription-state')?.split(';')[0])).toEqual([
      'active',
      'active',
      'terminated',
    ]);
  });
});

/** Waits until the edge has relayed the watcher's first NOTIFY (counted by method), or the watcher ended. */
async function firstNotify(watcher: SippProcess): Promise<void> {
  let ended = false;
  void watcher.exited.then(() => (ended = true));
  const metrics = edge.metrics;
  for (;;) {
    const text = await metrics.registry.metrics();
    if (/simple_edge_requests_total\{[^}]*method="NOTIFY"[^}]*\} [1-9]/.test(text) || ended) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
