// I6: RFC 3327 Path with Kamailio as the community's external registrar (test/fixtures/kamailio/
// community.cfg, registrar `use_path`). A SIPp client behind a NAT registers through the edge over TCP
// with a Contact that points nowhere; the edge adds its Path entry (a flow token naming the client's
// connection) to the REGISTER it relays to Kamailio over UDP. A peer user's MESSAGE goes edge →
// Kamailio, which routes it along the stored Path (Route: the edge's entry) → edge → the client's
// connection. After the client is gone, the same way ends in 430 Flow Failed from the edge.
//
// SIPp's fixed Call-ID (-cid_str) and the peer's MESSAGE with that Call-ID: see outbound-sipp.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Edge } from '../../../src/edge.js';
import { edgeConfigYaml, edgeTlsOptions, LOCAL_DOMAIN, startEdge, stopEdge } from '../../support/edge-harness.js';
import { KamailioCommunity } from '../../support/kamailio-community.js';
import { requestsReceived, statuses } from '../../support/sipp-outcomes.js';
import { SIPP_PORT_BLOCK } from '../../support/sipp.js';
import { SippRuns } from '../../support/sipp-runs.js';
import { openEndpointLab, type EndpointLab } from '../subscriptions/endpoint-lab.js';

const PASSWORD = 'wonderland';
const NOWHERE = 'sip:alice@192.0.2.1:9;transport=tcp;ob';
const CALL_ID = 'path-alice-1@a.example.com';

let lab: EndpointLab | undefined;
let kamailio: KamailioCommunity | undefined;
let kamailioDir: string;
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
  diagnostics: () => `kamailio:\n${kamailio?.log ?? ''}`,
});

beforeAll(async () => {
  lab = await openEndpointLab('outbound-kamailio');
  kamailioDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-path-kamailio-'));
  kamailio = await KamailioCommunity.start({ port: lab.allocator.take(), workDir: kamailioDir, password: PASSWORD });
  const registrar = [{ port: kamailio.port, transport: 'udp' as const }];
  const yaml = edgeConfigYaml({
    // TCP for the client's connection; UDP towards Kamailio, which the Path entry names.
    internal: [
      { transport: 'tcp', port: lab.ports.internal },
      { transport: 'udp', port: lab.ports.internal },
    ],
    external: [{ transport: 'tls', port: lab.ports.external }],
    registrar,
    presence: registrar,
    adminPort: lab.allocator.take(),
    logLevel: 'warn',
  });
  edge = await startEdge({ yaml, tls: edgeTlsOptions(lab.files) });
  toExternal = await lab.peer.connect(lab.ports.external, lab.peerIdentity);
}, 600_000);

afterEach(() => runs.stopAll());

afterAll(async () => {
  await lab?.close(async () => {
    if (edge !== undefined) await stopEdge(edge);
  });
  await kamailio?.stop();
  rmSync(kamailioDir, { recursive: true, force: true });
});

async function pathsAdded(): Promise<number> {
  const metric = await edge.metrics.outbound.paths.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe('I6 RFC 3327 Path through Kamailio as the external registrar', () => {
  it("I6 a peer MESSAGE goes edge → Kamailio → (Route from the Path) → edge → the client's flow, and 430 once that flow closed", async () => {
    const alice = runs.start('alice-path', 'community/uac-register-outbound.xml', {
      basePort: lab!.allocator.take(SIPP_PORT_BLOCK),
      service: 'alice',
      extraArgs: ['-au', 'alice', '-ap', PASSWORD, '-cid_str', CALL_ID],
      keys: { domain: LOCAL_DOMAIN, contact: NOWHERE, instance: 'urn:uuid:0c8f5b3e-path', expires: '600' },
    });
    // Both REGISTERs (before and after Kamailio's challenge) carried the edge's Path entry.
    await vi.waitFor(async () => expect(await pathsAdded()).toBe(2), { timeout: 15_000, interval: 50 });
    // Kamailio's 200 has reached the client (SIPp logs each message as it handles it): alice is bound.
    const messageLog = path.join(lab!.workDir, 'alice-path-messages.log');
    await vi.waitFor(
      () => expect(existsSync(messageLog) && readFileSync(messageLog, 'latin1')).toMatch(/SIP\/2\.0 200/),
      {
        timeout: 10_000,
        interval: 50,
      },
    );
    expect(await lab!.messageFromPeer(toExternal, { callId: CALL_ID, body: 'hello along the Path' })).toBe(200);
    const run = await runs.succeeded(alice);
    expect(statuses(run)).toEqual([401, 200]);
    const [delivered] = requestsReceived(run, 'MESSAGE');
    expect(delivered?.startLine).toBe(`MESSAGE ${NOWHERE} SIP/2.0`);
    // The edge had it back from Kamailio on its internal side (the Route of alice's Path), once.
    const requests = await edge.metrics.requests.get();
    expect(requests.values.find((v) => v.labels.method === 'MESSAGE' && v.labels.side === 'internal')?.value).toBe(1);

    await vi.waitFor(
      () => expect([...edge.transport.flows].filter((f) => f.side === 'internal' && f.protocol === 'tcp')).toEqual([]),
      { timeout: 5_000, interval: 20 },
    );
    expect(await lab!.messageFromPeer(toExternal, { callId: CALL_ID, body: 'hello along the Path' })).toBe(430);
  });
});
