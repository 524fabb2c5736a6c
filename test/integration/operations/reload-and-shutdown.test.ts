// O2, O5: the edge as an operator runs it. SIGHUP with a changed file applies it to the
// next request without dropping the peer's TLS flow; SIGHUP with a broken file is refused with the
// check-config message and the edge keeps serving as before. SIGTERM in the middle of SIPp load loses
// nothing already relayed: every MESSAGE the community's UAS saw gets its 200 back to the sender, and
// the requests that came after the signal are answered 503 with Retry-After, not dropped.
//
//   peer UAC ──tcp──▶ stunnel ══tls══▶ edge ──tcp──▶ internal UAS

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { LOCAL_DOMAIN, LOOPBACK } from '../../support/edge-harness.js';
import { PolicyLab, type EdgeSite } from '../../support/policy-lab.js';
import { describeSippRun } from '../../support/sipp.js';
import { finalResponses, requestsReceived } from '../../support/sipp-outcomes.js';

let workDir: string;
let lab: PolicyLab;
let site: EdgeSite;
let edge: EdgeProcess;
let configFile: string;
let baseConfig: Record<string, unknown>;

beforeAll(async () => {
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-reload-'));
  lab = new PolicyLab({ workDir });
  site = lab.planSite();
  await lab.startFronts(site);
  baseConfig = lab.processConfigFor(site);
  configFile = path.join(workDir, 'edge.yaml');
  writeFileSync(configFile, stringify(baseConfig));
  edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 3 });
}, 240_000);

afterAll(async () => {
  await edge?.kill('SIGKILL');
  await lab?.cleanup();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

async function waitForOutput(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(edge.output)) {
    if (Date.now() > deadline) throw new Error(`the edge never printed ${String(pattern)}:\n${edge.output}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function flowIds(): Promise<string[]> {
  const body = (await (await fetch(`http://${LOOPBACK}:${site.adminPort}/admin/flows`)).json()) as {
    flows: Array<{ id: string; side: string }>;
  };
  return body.flows.filter((f) => f.side === 'external').map((f) => f.id);
}

async function message(side: 'peer' | 'internal', calls: Array<{ from: string; to: string }>, name: string) {
  const run = await lab.runUac({ name, side, site, scenario: 'uac-message.xml', rate: 50, concurrent: 1, calls });
  expect(run.exitCode, describeSippRun(run)).toBe(0);
  return finalResponses(run).map((r) => r.status);
}

describe('reload and graceful shutdown of a running edge', () => {
  it('O2 SIGHUP applies a changed policy to the next request and keeps the live TLS flow to the peer', async () => {
    const peerUas = await lab.startUas({ name: 'peer', side: 'peer', scenario: 'uas-answer-200.xml' });
    const internalUas = await lab.startUas({ name: 'internal', side: 'internal', scenario: 'uas-answer-200.xml' });
    expect(await message('internal', [{ from: 'a', to: 'bob' }], 'out-before')).toEqual([200]);
    expect(await message('peer', [{ from: 'p', to: 'list1' }], 'in-before')).toEqual([200]);
    const outboundFlows = await flowIds();
    expect(outboundFlows.length).toBeGreaterThanOrEqual(1);

    writeFileSync(configFile, stringify({ ...baseConfig, policy: { noPresenceAddresses: [`list1@${LOCAL_DOMAIN}`] } }));
    process.kill(edge.pid!, 'SIGHUP');
    await waitForOutput(/SIGHUP: \S*edge\.yaml reloaded/);

    expect(
      await message(
        'peer',
        [
          { from: 'p', to: 'list1' },
          { from: 'p', to: 'list2' },
        ],
        'in-after',
      ),
    ).toEqual([604, 200]);
    expect(await message('internal', [{ from: 'a', to: 'bob' }], 'out-after')).toEqual([200]);
    expect(await flowIds()).toEqual(expect.arrayContaining(outboundFlows));
    await lab.stop(peerUas);
    await lab.stop(internalUas);
  }, 60_000);

  it('O2 SIGHUP with a broken file is refused with the check-config message, and the configuration in force stays', async () => {
    writeFileSync(configFile, stringify({ ...baseConfig, policy: { noPresenceAdresses: [] } }));
    process.kill(edge.pid!, 'SIGHUP');
    await waitForOutput(/refused; the configuration in force stays/);
    expect(edge.output).toMatch(/policy\.noPresenceAdresses.*noPresenceAddresses/);
    const internalUas = await lab.startUas({
      name: 'internal-broken',
      side: 'internal',
      scenario: 'uas-answer-200.xml',
    });
    expect(await message('peer', [{ from: 'p', to: 'list1' }], 'in-broken')).toEqual([604]);
    await lab.stop(internalUas);
  }, 60_000);

  it('O5 SIGTERM under SIPp load: every MESSAGE the UAS saw gets its 200 back, the rest 503, and the edge exits 0', async () => {
    const calls = 1500;
    const internalUas = await lab.startUas({ name: 'drain', side: 'internal', scenario: 'uas-answer-200.xml' });
    const uac = lab.startUac({
      name: 'drain',
      side: 'peer',
      site,
      scenario: 'uac-message.xml',
      rate: 300,
      concurrent: 50,
      timeoutS: 30,
      calls: Array.from({ length: calls }, (_, i) => ({ from: `s${i % 10}`, to: `u${i}` })),
    });
    // Signal once the load is well under way.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exit = await edge.kill('SIGTERM');
    expect(exit.code).toBe(0);
    const load = await lab.stop(uac);
    const seen = requestsReceived(await lab.stop(internalUas)).map((r) => r.toUser);
    const answers = new Map(finalResponses(load).map((r) => [r.toUser, r.status]));
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.length).toBeLessThan(calls);
    expect(seen.filter((user) => answers.get(user) !== 200)).toEqual([]);
    expect([...answers.values()].filter((status) => status !== 200 && status !== 503)).toEqual([]);
  }, 90_000);
});
