// O5 shutdown drain, as an operator runs the edge (`simple-edge start`, limits.shutdownDrainMs 3 s):
// once SIGTERM arrives /readyz turns 503 at once; for the drain a new out-of-dialog MESSAGE from the
// peer is answered 503 with Retry-After over its TLS connection, which stays open, while a MESSAGE
// inside a dialog is still relayed to the community; only after the drain does the edge close the
// connection and exit 0.
//
//   peer (Node, mutual TLS) ══tls══▶ edge ──tcp──▶ registrar (Node)

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { LOCAL_DOMAIN, LOOPBACK, PEER_DOMAIN } from '../../support/edge-harness.js';
import { PolicyLab, type EdgeSite } from '../../support/policy-lab.js';
import { SipEndpoint } from '../subscriptions/sip-endpoint.js';

const DRAIN_MS = 3000;

let workDir: string;
let lab: PolicyLab;
let site: EdgeSite;
let edge: EdgeProcess;
let registrar: SipEndpoint;
let peer: SipEndpoint;
let peerPort: number;

beforeAll(async () => {
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-drain-'));
  lab = new PolicyLab({ workDir });
  site = lab.planSite();
  registrar = await SipEndpoint.listen({ name: 'registrar', port: lab.internalUasPort });
  peerPort = lab.ports.take(1);
  peer = await SipEndpoint.listen({ name: 'peer', port: peerPort });
  writeFileSync(
    path.join(workDir, 'edge.yaml'),
    stringify(lab.processConfigFor(site, { limits: { shutdownDrainMs: DRAIN_MS } })),
  );
  edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3 });
}, 240_000);

afterAll(async () => {
  await edge?.kill('SIGKILL');
  await Promise.all([registrar?.close(), peer?.close()]);
  await lab?.cleanup();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

function message(callId: string, options: { toTag?: string } = {}): string {
  const body = 'hello';
  return [
    `MESSAGE sip:ann@${LOCAL_DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/TLS ${LOOPBACK}:${peerPort};branch=${peer.nextBranch()}`,
    'Max-Forwards: 70',
    `From: <sip:pat@${PEER_DOMAIN}>;tag=pat-${callId}`,
    `To: <sip:ann@${LOCAL_DOMAIN}>${options.toTag === undefined ? '' : `;tag=${options.toTag}`}`,
    `Call-ID: ${callId}`,
    `CSeq: ${options.toTag === undefined ? 1 : 2} MESSAGE`,
    'Content-Type: text/plain',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

async function readyz(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://${LOOPBACK}:${site.adminPort}/readyz`);
  return { status: response.status, body: await response.json() };
}

describe('O5 SIGTERM drains before it closes', () => {
  it(`O5 for limits.shutdownDrainMs (${DRAIN_MS} ms) /readyz is 503, a new request gets 503 with Retry-After over a connection that stays open, an in-dialog one is relayed; then the edge exits 0`, async () => {
    const own = lab.certificates.byDomain[PEER_DOMAIN]!;
    const tls = { cert: readFileSync(own.cert), key: readFileSync(own.key), ca: readFileSync(lab.certificates.ca) };
    const socket: Socket = await peer.connect(site.externalTlsPort, tls);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect((await peer.request(socket, message('drain-before'))).status).toBe(200);
    expect((await readyz()).status).toBe(200);

    let exited = false;
    void edge.exited.then(() => (exited = true));
    const signalledAt = Date.now();
    process.kill(edge.pid!, 'SIGTERM');
    const deadline = Date.now() + 2000;
    let ready = await readyz();
    while (ready.status !== 503 && Date.now() < deadline) ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      checks: expect.arrayContaining([
        expect.objectContaining({ name: 'listeners', ok: false, detail: expect.stringContaining('draining') }),
      ]),
    });

    const refused = await peer.request(socket, message('drain-new'));
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '5']);
    const inDialog = await peer.request(socket, message('drain-dialog', { toTag: 'ann-1' }));
    expect(inDialog.status).toBe(200);
    expect(registrar.requests('MESSAGE', 'drain-new')).toHaveLength(0);
    expect(registrar.requests('MESSAGE', 'drain-dialog')).toHaveLength(1);
    // All of it happened during the drain: the connection is the one opened before the signal.
    expect(exited).toBe(false);
    expect(socket.destroyed).toBe(false);
    expect((await readyz()).status).toBe(503);

    const exit = await edge.exited;
    expect(exit, edge.output).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DRAIN_MS);
    await closed;
    expect(edge.output).toContain(`SIGTERM: draining for ${DRAIN_MS} ms`);
  }, 30_000);
});
