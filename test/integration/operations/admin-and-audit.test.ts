// O3, X1, X3, Y2, P4: the edge as an operator runs it (`simple-edge start`), with its admin
// listener and its audit log in a file. SIPp sends MESSAGEs both ways over the mutual-TLS border;
// then the Prometheus scrape counts exactly what SIPp sent, the admin API changes what the border does
// (a purged 604 lets the next request through, an added tombstone stops the next one), and after a
// graceful stop the audit log holds exactly one line per border-crossing request of the run, and the
// message archive the text of each.
//
//   peer UAC ──tcp──▶ stunnel ══tls══▶ edge ──tcp──▶ internal UAS (200)
//   internal UAC ──tcp──▶ edge ══tls══▶ stunnel ──tcp──▶ peer UAS (604)

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { LOCAL_DOMAIN, LOOPBACK, PEER_DOMAIN } from '../../support/edge-harness.js';
import { PolicyLab, type EdgeSite } from '../../support/policy-lab.js';
import { describeSippRun } from '../../support/sipp.js';
import { finalResponses, requestsReceived } from '../../support/sipp-outcomes.js';

const INBOUND = 30;
const OUTBOUND = 12;

let workDir: string;
let lab: PolicyLab;
let site: EdgeSite;
let edge: EdgeProcess;
let crossed = 0;

beforeAll(async () => {
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-operations-'));
  lab = new PolicyLab({ workDir });
  site = lab.planSite();
  await lab.startFronts(site);
  const config = lab.processConfigFor(site, {
    state: { backend: 'sqlite', path: path.join(workDir, 'state.db') },
    audit: {
      enabled: true,
      file: path.join(workDir, 'audit', 'audit'),
      archive: { enabled: true, directory: path.join(workDir, 'archive') },
    },
  });
  writeFileSync(path.join(workDir, 'edge.yaml'), stringify(config));
  edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3 });
}, 240_000);

afterAll(async () => {
  await edge?.kill('SIGKILL');
  await lab?.cleanup();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

function admin(pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://${LOOPBACK}:${site.adminPort}${pathname}`, init);
}

/** The value of one sample of the scrape, 0 when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    if (wanted.every((pair) => inside.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

async function message(side: 'peer' | 'internal', calls: Array<{ from: string; to: string }>, name: string) {
  // Small runs one call at a time, so answers come back in call order.
  const run = await lab.runUac({
    name,
    side,
    site,
    scenario: 'uac-message.xml',
    rate: 100,
    concurrent: calls.length > 5 ? 5 : 1,
    calls,
  });
  expect(run.exitCode, describeSippRun(run)).toBe(0);
  crossed += calls.length;
  return finalResponses(run);
}

describe('operations: metrics, admin API and audit log of a running edge', () => {
  it('O3 the scrape counts exactly the MESSAGEs SIPp sent each way, by peer and status class', async () => {
    const internalUas = await lab.startUas({ name: 'internal', side: 'internal', scenario: 'uas-answer-200.xml' });
    const peerUas = await lab.startUas({ name: 'peer', side: 'peer', scenario: 'uas-answer-604.xml' });
    const inbound = await message(
      'peer',
      Array.from({ length: INBOUND }, (_, i) => ({ from: `p${i}`, to: `alive${i}` })),
      'inbound',
    );
    const outbound = await message(
      'internal',
      Array.from({ length: OUTBOUND }, (_, i) => ({ from: 'a', to: `gone${i}` })),
      'outbound',
    );
    expect(inbound.filter((r) => r.status === 200)).toHaveLength(INBOUND);
    expect(outbound.filter((r) => r.status === 604)).toHaveLength(OUTBOUND);

    const scrape = await (await admin('/metrics')).text();
    expect(
      sample(scrape, 'simple_edge_responses_total', {
        method: 'MESSAGE',
        status_class: '2xx',
        direction: 'inbound',
        peer: PEER_DOMAIN,
      }),
    ).toBe(INBOUND);
    expect(
      sample(scrape, 'simple_edge_responses_total', {
        method: 'MESSAGE',
        status_class: '6xx',
        direction: 'outbound',
        peer: PEER_DOMAIN,
      }),
    ).toBe(OUTBOUND);
    expect(sample(scrape, 'simple_edge_requests_total', { method: 'MESSAGE', side: 'external' })).toBe(INBOUND);
    expect(sample(scrape, 'simple_edge_relay_latency_seconds_count', { direction: 'inbound' })).toBe(INBOUND);
    expect(
      sample(scrape, 'simple_edge_flows', { side: 'external', protocol: 'tls', peer: PEER_DOMAIN }),
    ).toBeGreaterThanOrEqual(1);
    expect(scrape).toMatch(/^simple_edge_certificate_expiry_seconds\{domain="a\.example\.com"\} \d+/m);
    expect(scrape).toMatch(/^simple_edge_peer_certificate_expiry_seconds\{peer="b\.example\.net"\} \d+/m);
    expect(scrape).toMatch(/^simple_edge_nodejs_eventloop_lag_seconds \d/m);
    expect((await admin('/healthz')).status).toBe(200);
    expect((await admin('/readyz')).status).toBe(200);
    // While the peer's UAS is up, the edge's TLS flow to it stays open: the admin API lists it.
    const peers = (await (await admin('/admin/peers')).json()) as {
      peers: Array<{ domain: string; state: string; flows: string[] }>;
    };
    expect(peers.peers.find((p) => p.domain === PEER_DOMAIN)?.state).toBe('connected');
    const flows = (await (await admin('/admin/flows')).json()) as {
      flows: Array<{ id: string; peerIdentity: string[] }>;
    };
    const peerFlows = peers.peers.find((p) => p.domain === PEER_DOMAIN)?.flows ?? [];
    expect(peerFlows.length).toBeGreaterThanOrEqual(1);
    expect(
      flows.flows
        .filter((f) => f.peerIdentity.includes(PEER_DOMAIN))
        .map((f) => f.id)
        .sort(),
    ).toEqual([...peerFlows].sort());
    await lab.stop(internalUas);
    await lab.stop(peerUas);
  }, 60_000);

  it('P4 O3 purging a cached 604 through the admin API lets the next request cross again', async () => {
    const listed = (await (await admin('/admin/cache604')).json()) as { entries: Array<{ key: string }> };
    expect(listed.entries.map((e) => e.key)).toContain(`604:sip:gone0@${PEER_DOMAIN}`);
    const peerUas = await lab.startUas({ name: 'peer-after-purge', side: 'peer', scenario: 'uas-answer-604.xml' });
    const before = await message('internal', [{ from: 'a', to: 'gone0' }], 'cached');
    expect(before[0]?.status).toBe(404);
    const purge = await admin(`/admin/cache604/${encodeURIComponent(`sip:gone0@${PEER_DOMAIN}`)}`, {
      method: 'DELETE',
    });
    expect(purge.status).toBe(200);
    const after = await message(
      'internal',
      [
        { from: 'a', to: 'gone0' },
        { from: 'a', to: 'gone1' },
      ],
      'purged',
    );
    const seen = requestsReceived(await lab.stop(peerUas)).map((r) => r.toUser);
    expect(after.map((r) => r.status)).toEqual([604, 404]);
    expect(seen).toEqual(['gone0']);
  }, 60_000);

  it('Y2 X3 a user removed through the admin API is refused at the border from then on', async () => {
    const added = await admin('/admin/tombstones', {
      method: 'POST',
      body: JSON.stringify({ address: `alive3@${LOCAL_DOMAIN}` }),
    });
    expect(added.status).toBe(201);
    expect(((await added.json()) as { address: string }).address).toBe(`sip:alive3@${LOCAL_DOMAIN}`);
    const internalUas = await lab.startUas({
      name: 'internal-after-removal',
      side: 'internal',
      scenario: 'uas-answer-200.xml',
    });
    const answers = await message(
      'peer',
      [
        { from: 'p', to: 'alive3' },
        { from: 'p', to: 'alive4' },
      ],
      'tombstoned',
    );
    const seen = requestsReceived(await lab.stop(internalUas)).map((r) => r.toUser);
    expect(answers.map((r) => r.status)).toEqual([404, 200]);
    expect(seen).toEqual(['alive4']);
  }, 60_000);

  it('O4 refuses a bad log level through the admin API and takes a good one', async () => {
    expect((await admin('/admin/log-level', { method: 'PUT', body: '{"level":"loud"}' })).status).toBe(400);
    expect((await admin('/admin/log-level', { method: 'PUT', body: '{"level":"debug"}' })).status).toBe(200);
    expect(((await (await admin('/admin/log-level')).json()) as { level: string }).level).toBe('debug');
  });

  it('X1 after a graceful stop the audit log has exactly one line per border-crossing request', async () => {
    const exit = await edge.kill('SIGTERM');
    expect(exit.code).toBe(0);
    const directory = path.join(workDir, 'audit');
    const lines = readdirSync(directory).flatMap((file) =>
      readFileSync(path.join(directory, file), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    const entries = lines.map(
      (line) =>
        JSON.parse(line) as { name: string; direction: string; callId: string; status: number; decision: string },
    );
    expect(entries).toHaveLength(crossed);
    expect(entries.every((e) => e.name === 'simple-edge-audit' && e.callId !== '')).toBe(true);
    expect(new Set(entries.map((e) => e.callId)).size).toBe(crossed);
    expect(entries.filter((e) => e.direction === 'inbound' && e.status === 200)).toHaveLength(INBOUND + 1);
    expect(entries.filter((e) => e.status === 404 && e.decision.startsWith('Y2'))).toHaveLength(1);
    // The archive keeps each of those requests' text, found by its Call-ID.
    const archive = path.join(workDir, 'archive');
    const archived = readdirSync(archive)
      .flatMap((file) =>
        readFileSync(path.join(archive, file), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      )
      .map((line) => JSON.parse(line) as { callId: string; message: string });
    expect(archived.map((a) => a.callId).sort()).toEqual(entries.map((e) => e.callId).sort());
    expect(
      archived.every((a) => a.message.startsWith('MESSAGE sip:') && a.message.includes(`Call-ID: ${a.callId}`)),
    ).toBe(true);
  }, 60_000);
});
