// O7, a cluster: two edges of one community, each with its own listeners and stunnel, share
// their state in one redis-server (Debian, started here). What one learns the other enforces, and a
// per-peer token bucket is one bucket: under concurrent SIPp load from b.example.net through both
// edges, the total admitted stays within 10 % of what the bucket allows (capacity + refill × the
// time the load lasted), where two private buckets would admit about twice that.
//
//   internal UAC ──▶ edge 1 or 2 ══tls══▶ stunnel ──▶ peer UAS          (604 learned by one, enforced by both)
//   peer UAC 1 ──▶ stunnel ══tls══▶ edge 1 ─┐
//   peer UAC 2 ──▶ stunnel ══tls══▶ edge 2 ─┴──▶ internal UAS             (one per-peer bucket)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyLab, type LabEdge } from '../../support/policy-lab.js';
import { startRedisServer, type RunningRedis } from '../../support/redis-server.js';
import { describeSippRun, type SippResult } from '../../support/sipp.js';
import { finalResponses, requestsReceived, sendTimes, statuses } from '../../support/sipp-outcomes.js';

const PER_PEER = { capacity: 50, refillPerSecond: 1 };
/** Requests each peer UAC sends, as fast as the edges take them: far more than the bucket holds. */
const CALLS_PER_EDGE = 200;

let workDir: string;
let lab: PolicyLab;
let redis: RunningRedis;
let edges: [LabEdge, LabEdge];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-cluster-'));
  lab = new PolicyLab({ workDir });
  redis = await startRedisServer();
  // Only the per-peer bucket may bind: per-sender and per-recipient limits far above the load.
  const roomy = { capacity: 100_000, refillPerSecond: 100_000 };
  const config = {
    state: { backend: 'redis', redisUrl: redis.url },
    agreements: [{ peer: 'b.example.net', limits: { perPeer: PER_PEER, perSender: roomy, perRecipient: roomy } }],
  };
  edges = [await lab.startEdge({ config }), await lab.startEdge({ config })];
}, 600_000);

afterAll(async () => {
  await lab?.cleanup();
  await redis?.stop();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

function expectCompleted(run: SippResult): void {
  expect(run.exitCode, describeSippRun(run)).toBe(0);
}

describe('O7 two edges on one Redis', () => {
  it('O7 P4 a 604 learned through edge 1 is enforced by edge 2: MESSAGE and SUBSCRIBE get 404 there and never cross', async () => {
    const [first, second] = edges;
    const peerUas = await lab.startUas({ name: 'o7-p4-peer', side: 'peer', scenario: 'uas-answer-604.xml' });
    const learned = await lab.runUac({
      name: 'o7-p4-learn',
      side: 'internal',
      site: first.site,
      scenario: 'uac-message.xml',
      calls: [{ from: 'alice', to: 'lists' }],
    });
    const message = await lab.runUac({
      name: 'o7-p4-message',
      side: 'internal',
      site: second.site,
      scenario: 'uac-message.xml',
      calls: [{ from: 'bert', to: 'lists' }],
    });
    const subscribe = await lab.runUac({
      name: 'o7-p4-subscribe',
      side: 'internal',
      site: second.site,
      scenario: 'uac-subscribe.xml',
      calls: [{ from: 'cleo', to: 'Lists' }],
    });
    const peerSaw = requestsReceived(await lab.stop(peerUas));
    for (const run of [learned, message, subscribe]) expectCompleted(run);

    expect([learned, message, subscribe].map(statuses)).toEqual([[604], [404], [404]]);
    expect(finalResponses(message)[0]?.reason).toBe('Not Found (604 from b.example.net cached)');
    expect(peerSaw).toHaveLength(1);
  });

  it(`O7 Y1 a per-peer rate limit (capacity ${PER_PEER.capacity}, ${PER_PEER.refillPerSecond}/s) holds across both edges: the total admitted is within 10 % of the limit`, async () => {
    const internalUas = await lab.startUas({
      name: 'o7-y1-internal',
      side: 'internal',
      scenario: 'uas-answer-200.xml',
    });
    const runs = await Promise.all(
      edges.map((edge, n) =>
        lab.runUac({
          name: `o7-y1-peer${n + 1}`,
          side: 'peer',
          site: edge.site,
          scenario: 'uac-message.xml',
          rate: 400,
          concurrent: 50,
          calls: Array.from({ length: CALLS_PER_EDGE }, (_, i) => ({ from: `sender${n + 1}x${i}`, to: 'desk' })),
        }),
      ),
    );
    const delivered = requestsReceived(await lab.stop(internalUas), 'MESSAGE').length;
    for (const run of runs) expectCompleted(run);
    // The bucket refills while the load lasts: from the first request sent to the last, on both edges.
    const sent = runs.flatMap(sendTimes);
    expect(sent).toHaveLength(2 * CALLS_PER_EDGE);
    const seconds = (Math.max(...sent) - Math.min(...sent)) / 1000;

    const answers = runs.map((run) => statuses(run));
    const admitted = answers.flat().filter((status) => status === 200).length;
    const refused = answers.flat().filter((status) => status === 503).length;
    const limit = PER_PEER.capacity + PER_PEER.refillPerSecond * seconds;
    const summary =
      `admitted ${admitted} (edge 1: ${answers[0]!.filter((s) => s === 200).length}, edge 2: ${answers[1]!.filter((s) => s === 200).length}), ` +
      `refused ${refused}, limit ${limit.toFixed(1)} over ${seconds.toFixed(2)} s`;
    expect(admitted + refused, summary).toBe(2 * CALLS_PER_EDGE);
    expect(Math.abs(admitted - limit), summary).toBeLessThanOrEqual(0.1 * limit);
    expect(delivered, summary).toBe(admitted);
    // Each edge sent far more than the bucket holds and refused some: both enforce the limit.
    for (const perEdge of answers) expect(perEdge.filter((s) => s === 503).length, summary).toBeGreaterThan(0);
    const refusal = finalResponses(runs[0]!).find((r) => r.status === 503);
    expect([refusal?.reason, refusal?.value('retry-after')]).toEqual(['Peer Rate Exceeded', '30']);
  });
});
