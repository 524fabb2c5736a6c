// L1: each traffic scenario of `simple-edge loadtest` against a real simple-edge on loopback
// (mutual TLS on its external side), asserting the policy outcome the edge is known to give. The
// tool is its own far side: the edge's registrar, presence server and route to b.example.net all
// point at the tool's listeners (test/support/loadtest-lab.ts). Each test starts a fresh edge, so
// buckets and recipient sets start empty; rates are modest because edge and tool share this process.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadReport, ScenarioReport } from '../../../src/loadtest/load-report.js';
import { runLoadtest } from '../../../src/loadtest/run-loadtest.js';
import { LoadtestLab } from '../../support/loadtest-lab.js';

let workDir: string;
let lab: LoadtestLab;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-loadtest-'));
  lab = new LoadtestLab(workDir);
});

afterAll(async () => {
  await lab?.stopEdge();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/** Buckets wide enough that only the limit under test answers. */
const OPEN_LIMITS = {
  perSender: { capacity: 100_000, refillPerSecond: 100_000 },
  perRecipient: { capacity: 100_000, refillPerSecond: 100_000 },
  perPeer: { capacity: 100_000, refillPerSecond: 100_000 },
};

async function run(options: {
  limits?: Record<string, unknown>;
  edgeLimits?: Record<string, unknown>;
  body: Record<string, unknown>;
  farSideThread?: 'worker' | 'inline';
}): Promise<LoadReport> {
  await lab.startEdge({
    policy: { limits: { ...OPEN_LIMITS, ...options.limits } },
    ...(options.edgeLimits === undefined ? {} : { limits: options.edgeLimits }),
  });
  try {
    const file = lab.scenarioFile({ rate: 60, duration: 1, ...options.body });
    return await runLoadtest({
      file,
      tls: lab.peerIdentity,
      ...(options.farSideThread === undefined ? {} : { farSideThread: options.farSideThread }),
    });
  } finally {
    await lab.stopEdge();
  }
}

function only(report: LoadReport): ScenarioReport {
  expect(report.scenarios).toHaveLength(1);
  return report.scenarios[0]!;
}

describe('L1 simple-edge loadtest against simple-edge over mutual TLS', () => {
  it('L1 message-flood: within the limits every MESSAGE crosses to the far side and is answered 2xx, with latency percentiles', async () => {
    const s = only(await run({ body: { scenarios: [{ kind: 'message-flood' }] } }));
    expect(s.sent).toBeGreaterThan(30);
    expect(s.outcomes).toEqual({ '2xx': s.sent });
    expect(s.crossed).toBe(s.sent);
    expect(s.latencyMs.count).toBe(s.sent);
    expect(s.latencyMs.p50).toBeGreaterThan(0);
    expect(s.latencyMs.p999).toBeGreaterThanOrEqual(s.latencyMs.p50);
  });

  it("L1 with the far side in the generator's own thread the outcomes and crossings are the same", async () => {
    const report = await run({
      farSideThread: 'inline',
      limits: { maxDistinctRecipientsPerSender: 10 },
      body: {
        scenarios: [
          { kind: 'harvesting' },
          { kind: 'notify-storm', params: { dialogs: 2 }, expect: [{ policy: 'P8', maxCrossedPerDialog: 1 }] },
        ],
      },
    });
    const [harvest, notify] = report.scenarios;
    expect(harvest!.outcomes['2xx']).toBe(10);
    expect(harvest!.crossed).toBe(10);
    expect(notify!.outcomes['2xx']).toBe(2);
    expect(report.passed).toBe(true);
  });

  it('L1 Y1 message-flood: senders beyond their per-sender bucket are answered 503 and do not cross', async () => {
    const report = await run({
      limits: { perSender: { capacity: 5, refillPerSecond: 1 } },
      body: {
        senders: 2,
        scenarios: [{ kind: 'message-flood', expect: [{ policy: 'Y1 rate limits', outcome: '503', atLeast: 1 }] }],
      },
    });
    const s = only(report);
    expect(s.outcomes['503']).toBeGreaterThan(0);
    expect(s.outcomes['2xx']).toBeLessThanOrEqual(2 * (5 + 2));
    expect(s.crossed).toBe(s.outcomes['2xx']);
    expect(report.passed).toBe(true);
  });

  it('L1 Y1 harvesting: one sender is cut off with 503 after maxDistinctRecipientsPerSender distinct recipients', async () => {
    const report = await run({
      limits: { maxDistinctRecipientsPerSender: 20 },
      body: {
        scenarios: [{ kind: 'harvesting', expect: [{ policy: 'Y1 distinct recipients', outcome: '2xx', atMost: 20 }] }],
      },
    });
    const s = only(report);
    expect(s.outcomes['2xx']).toBe(20);
    expect(s.outcomes['503']).toBe(s.sent - 20);
    expect(s.crossed).toBe(20);
    expect(report.verdicts.map((v) => v.passed)).toEqual([true]);
  });

  it('L1 P6 subscribe-short-expires: every SUBSCRIBE below minSubscriptionExpiresSeconds is answered 423 at the border', async () => {
    const s = only(await run({ body: { scenarios: [{ kind: 'subscribe-short-expires', params: { expires: 60 } }] } }));
    expect(s.outcomes).toEqual({ 423: s.sent });
    expect(s.crossed).toBe(0);
  });

  it('L1 P8 notify-storm: in each live dialog one unchanged NOTIFY crosses, the rest are refused 503', async () => {
    const report = await run({
      body: {
        scenarios: [
          {
            kind: 'notify-storm',
            params: { dialogs: 4 },
            expect: [{ policy: 'P8 NOTIFY rate', maxCrossedPerDialog: 1 }],
          },
        ],
      },
    });
    const s = only(report);
    expect(s.outcomes['2xx']).toBe(4);
    expect(s.outcomes['503']).toBe(s.sent - 4);
    expect(s.crossed).toBe(4);
    expect(report.passed).toBe(true);
  });

  it("L1 P4 repeat-604: after the peer's first 604 the same address is answered 404 at the border and never crosses again", async () => {
    const s = only(await run({ body: { concurrency: 1, scenarios: [{ kind: 'repeat-604' }] } }));
    expect(s.outcomes['604']).toBe(1);
    expect(s.outcomes['404-at-border']).toBe(s.sent - 1);
    expect(s.crossed).toBe(1);
  });

  it('L1 S2 long-record-route: requests whose Record-Route exceeds maxRecordRouteBytes are answered 513', async () => {
    const s = only(await run({ body: { scenarios: [{ kind: 'long-record-route', params: { entries: 80 } }] } }));
    expect(s.outcomes).toEqual({ 513: s.sent });
    expect(s.crossed).toBe(0);
  });

  it('L1 F7 spoofed-origin: requests whose From domain the peer certificate does not cover are answered 403', async () => {
    const s = only(
      await run({ body: { scenarios: [{ kind: 'spoofed-origin', params: { domain: 'c.example.org' } }] } }),
    );
    expect(s.outcomes).toEqual({ 403: s.sent });
    expect(s.crossed).toBe(0);
  });

  it('L1 F4 connection-storm: flows beyond limits.maxConnections are refused; those within are answered', async () => {
    // The run itself holds 3 flows (2 peer flows, 1 community flow), so 7 more fit under the cap of 10.
    const s = only(
      await run({
        edgeLimits: { maxConnections: 10 },
        body: { rate: 40, scenarios: [{ kind: 'connection-storm', params: { connections: 20 } }] },
      }),
    );
    expect(s.sent).toBe(20);
    expect(s.outcomes.accepted).toBeLessThanOrEqual(7);
    expect(s.outcomes.accepted).toBeGreaterThan(0);
    expect(s.outcomes.refused).toBeGreaterThanOrEqual(13);
  });

  it('L1 a weighted mix runs each scenario in proportion and reports outcomes per policy', async () => {
    const report = await run({
      body: {
        rate: 80,
        scenarios: [
          { kind: 'message-flood', weight: 3 },
          { kind: 'spoofed-origin', weight: 1 },
        ],
      },
    });
    const [flood, spoofed] = report.scenarios;
    // Smooth weighted round-robin: every 4 operations hold 3 floods and 1 spoofed, whatever the total.
    expect(Math.abs(flood!.sent - 3 * spoofed!.sent)).toBeLessThanOrEqual(3);
    expect(spoofed!.sent).toBeGreaterThan(10);
    expect(report.policies.map((p) => p.policy)).toEqual(['Y1 rate limits', 'F7 implicit authority']);
    expect(report.policies[1]!.outcomes).toEqual({ 403: spoofed!.sent });
    expect(report.timeline.length).toBeGreaterThan(0);
  });
});
