// O7 store outage: a `simple-edge start` process keeps its state in a real redis-server (Debian),
// which is stopped while the edge runs. A MESSAGE from the peer community then gets 503 with
// Retry-After — so the peer's edge can fail over to another instance of this domain — never 500; the
// edge logs one warn line with the Call-ID and no stack, counts the answer, and /readyz names the
// store. With Redis back on its port, the next MESSAGE crosses again.
//
//   peer UAC ──tcp──▶ stunnel ══tls══▶ edge ──tcp──▶ internal UAS (200)
//                                        └──▶ redis-server (stopped, then started again)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { LOOPBACK } from '../../support/edge-harness.js';
import { PolicyLab, type EdgeSite } from '../../support/policy-lab.js';
import { startRedisServer, type RunningRedis } from '../../support/redis-server.js';
import { describeSippRun, type SippProcess } from '../../support/sipp.js';
import { finalResponses, requestsReceived } from '../../support/sipp-outcomes.js';

let workDir: string;
let lab: PolicyLab;
let site: EdgeSite;
let redis: RunningRedis;
let edge: EdgeProcess;
let internalUas: SippProcess;

beforeAll(async () => {
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-store-outage-'));
  lab = new PolicyLab({ workDir });
  site = lab.planSite();
  await lab.startFronts(site);
  redis = await startRedisServer();
  writeFileSync(
    path.join(workDir, 'edge.yaml'),
    stringify(lab.processConfigFor(site, { state: { backend: 'redis', redisUrl: redis.url } })),
  );
  edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3 });
  internalUas = await lab.startUas({ name: 'internal', side: 'internal', scenario: 'uas-answer-200.xml' });
}, 240_000);

afterAll(async () => {
  await edge?.kill('SIGKILL');
  await lab?.cleanup();
  await redis?.stop();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

async function inbound(name: string, to: string) {
  const run = await lab.runUac({ name, side: 'peer', site, scenario: 'uac-message.xml', calls: [{ from: 'pat', to }] });
  expect(run.exitCode, describeSippRun(run)).toBe(0);
  const [answer] = finalResponses(run);
  if (answer === undefined) throw new Error(`no final response:\n${describeSippRun(run)}`);
  return answer;
}

async function readyz(): Promise<{ status: number; body: { checks: Array<{ name: string; ok: boolean }> } }> {
  const response = await fetch(`http://${LOOPBACK}:${site.adminPort}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Array<{ name: string; ok: boolean }> } };
}

async function answeredStoreUnavailable(): Promise<number> {
  const text = await (await fetch(`http://${LOOPBACK}:${site.adminPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('simple_edge_answers_total{') &&
        l.includes('because="O7 store-unavailable"') &&
        l.includes('status="503"'),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('O7 Redis outage under a running edge', () => {
  it('O7 with Redis stopped a MESSAGE gets 503 with Retry-After (not 500), a warn line with its Call-ID and no stack, and a metric; it crosses again once Redis is back', async () => {
    expect((await inbound('before', 'ann')).status).toBe(200);

    await redis.stop();
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toContainEqual(expect.objectContaining({ name: 'store', ok: false }));

    const during = await inbound('during', 'bea');
    expect([during.status, during.value('retry-after')]).toEqual([503, '5']);
    const callId = during.value('call-id')!;
    const lines = edge.output.split('\n').filter((l) => l.includes(callId));
    const warn = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown })
      .find((l) => l.msg.includes('store unavailable'));
    expect(warn?.level).toBe(40);
    expect(lines.join('\n')).not.toMatch(/"stack"|\n\s+at /);
    expect(edge.output).not.toMatch(/request handling failed/);
    expect(await answeredStoreUnavailable()).toBe(1);

    redis = await startRedisServer({ port: redis.port });
    const deadline = Date.now() + 15_000;
    while ((await readyz()).status !== 200) {
      if (Date.now() > deadline) throw new Error(`/readyz stayed 503 after Redis came back:\n${edge.output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect((await inbound('after', 'cid')).status).toBe(200);
    const seen = requestsReceived(await lab.stop(internalUas), 'MESSAGE').map((r) => r.toUser);
    expect(seen).toEqual(['ann', 'cid']);
  }, 60_000);
});
