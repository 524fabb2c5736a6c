// Durability (P4 "survives restarts", Y2): the edge runs as an operator runs it
// (`simple-edge start`, SQLite state in its own file). Under SIPp load it learns 604s from the peer
// while another process writes tombstones into the same file; it is killed with SIGKILL in the middle
// of the load and started again on that file, and every 604 it had learned and every tombstone written
// is still enforced: 404 at the border, and neither the peer's nor the community's UAS sees a request.
//
//   internal UAC ──tcp──▶ edge ══tls══▶ stunnel ──tcp──▶ peer UAS answering 604   (learning 604s)
//   peer UAC ──tcp──▶ stunnel ══tls══▶ edge ──tcp──▶ internal UAS                   (tombstone checks)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tombstone } from '../../../src/state/tombstones.js';
import { SqliteStore } from '../../../src/state/sqlite-store.js';
import { EdgeProcess, ensureBuilt } from '../../support/edge-process.js';
import { LOCAL_DOMAIN } from '../../support/edge-harness.js';
import { PolicyLab, type EdgeSite } from '../../support/policy-lab.js';
import { describeSippRun, type SippResult } from '../../support/sipp.js';
import { finalResponses, requestsReceived } from '../../support/sipp-outcomes.js';

/** Addresses the load walks through, one MESSAGE each, every one answered 604 by the peer. */
const LOAD_CALLS = 600;
/** The edge is killed once this many 604s are in its store: well into the load, well before its end. */
const KILL_AFTER_LEARNED = 100;
const TOMBSTONE_SECONDS = 90 * 86_400;

let workDir: string;
let lab: PolicyLab;
let site: EdgeSite;
let stateFile: string;
const edges = new Set<EdgeProcess>();

beforeAll(async () => {
  await ensureBuilt();
  workDir = mkdtempSync(path.join(tmpdir(), 'simple-edge-durability-'));
  lab = new PolicyLab({ workDir });
  site = lab.planSite();
  await lab.startFronts(site);
  stateFile = path.join(workDir, 'state', 'state.db');
  const config = lab.processConfigFor(site, { state: { backend: 'sqlite', path: stateFile } });
  writeFileSync(path.join(workDir, 'edge.yaml'), stringify(config));
}, 240_000);

afterAll(async () => {
  await Promise.allSettled([...edges].map((edge) => edge.kill('SIGKILL')));
  await lab?.cleanup();
  if (process.env.SIMPLE_EDGE_KEEP_LOGS === undefined && workDir !== undefined)
    rmSync(workDir, { recursive: true, force: true });
});

async function startEdge(): Promise<EdgeProcess> {
  const edge = await EdgeProcess.start({ cwd: workDir, configFile: 'edge.yaml', listeners: 2 });
  edges.add(edge);
  return edge;
}

/** Writes tombstones (left1@, left2@ … a.example.com) from this process until `stop` resolves; those acknowledged. */
async function writeTombstones(store: SqliteStore, stop: Promise<unknown>): Promise<string[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const written: string[] = [];
  for (let i = 1; !stopped; i++) {
    const address = `left${i}@${LOCAL_DOMAIN}`;
    await tombstone(store, address, { tombstoneSeconds: TOMBSTONE_SECONDS });
    written.push(`left${i}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return written;
}

async function waitForLearned(store: SqliteStore, count: number, uac: Promise<SippResult>): Promise<void> {
  let loadEnded = false;
  void uac.then(() => (loadEnded = true));
  const deadline = Date.now() + 20_000;
  while ((await store.list('604:', { limit: 1000 })).length < count) {
    if (loadEnded)
      throw new Error(`the load ended before the edge had learned ${count} 604s:\n${describeSippRun(await uac)}`);
    if (Date.now() > deadline) throw new Error(`the edge did not learn ${count} 604s within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function userOf(key: string): string {
  return /^604:sip:([^@]+)@/.exec(key)?.[1] ?? key;
}

interface LoadOutcome {
  /** Users whose 604 the killed edge had stored (read from the file after the kill). */
  readonly stored: string[];
  /** Users the community's UAC got a 604 for before the kill. */
  readonly seenByUac: string[];
  /** Tombstoned users, each acknowledged by the store while the edge ran. */
  readonly tombstoned: string[];
  readonly load: SippResult;
}

/** Phase 1: the edge learns 604s under load while tombstones are written; SIGKILL mid-load. */
async function learnUntilKilled(): Promise<LoadOutcome> {
  const peerUas = await lab.startUas({ name: 'load-peer', side: 'peer', scenario: 'uas-answer-604.xml' });
  const edge = await startEdge();
  const store = new SqliteStore({ path: stateFile, sweepIntervalMs: 0 });
  let stopWriting: () => void = () => undefined;
  const tombstones = writeTombstones(store, new Promise<void>((resolve) => (stopWriting = resolve)));
  try {
    const uac = lab.startUac({
      name: 'load',
      side: 'internal',
      site,
      scenario: 'uac-message.xml',
      rate: 150,
      concurrent: 20,
      timeoutS: 60,
      calls: Array.from({ length: LOAD_CALLS }, (_, i) => ({ from: `loader${i % 7}`, to: `gone${i + 1}` })),
    });
    await waitForLearned(store, KILL_AFTER_LEARNED, uac.exited);
    const exit = await edge.kill('SIGKILL');
    edges.delete(edge);
    expect(exit.signal).toBe('SIGKILL');
    stopWriting();
    const tombstoned = await tombstones;
    const load = await lab.stop(uac);
    await lab.stop(peerUas);
    const stored = (await store.list('604:', { limit: 1000 })).map((entry) => userOf(entry.key));
    const seenByUac = finalResponses(load)
      .filter((r) => r.status === 604)
      .map((r) => r.toUser ?? '?');
    return { stored, seenByUac, tombstoned, load };
  } finally {
    stopWriting();
    await tombstones.catch(() => undefined);
    await store.close();
  }
}

interface Checks {
  /** Final answer per recipient user, as the community's UAC saw it. */
  readonly outbound: Map<string | undefined, string>;
  /** Final answer per recipient user, as the peer's UAC saw it. */
  readonly inbound: Map<string | undefined, string>;
  /** Recipients whose request reached the peer's UAS, and the community's. */
  readonly peerSaw: Array<string | undefined>;
  readonly internalSaw: Array<string | undefined>;
}

/** Phase 2: a new process on the same file; each learned and tombstoned address asked for again. */
async function checkAfterRestart(learned: readonly string[], tombstoned: readonly string[]): Promise<Checks> {
  await startEdge();
  const peerWitness = await lab.startUas({ name: 'check-peer', side: 'peer', scenario: 'uas-answer-604.xml' });
  const internalWitness = await lab.startUas({
    name: 'check-internal',
    side: 'internal',
    scenario: 'uas-answer-200.xml',
  });
  // A control first in each direction: an unknown address still crosses, so the 404s are the rules'.
  const outbound = await lab.runUac({
    name: 'check-604',
    side: 'internal',
    site,
    scenario: 'uac-message.xml',
    rate: 200,
    concurrent: 20,
    calls: [{ from: 'checker', to: 'never-seen' }, ...learned.map((to) => ({ from: 'checker', to }))],
  });
  const inbound = await lab.runUac({
    name: 'check-tombstones',
    side: 'peer',
    site,
    scenario: 'uac-message.xml',
    rate: 200,
    concurrent: 20,
    calls: [{ from: 'prober', to: 'alive' }, ...tombstoned.map((to) => ({ from: 'prober', to }))],
  });
  const peerSaw = requestsReceived(await lab.stop(peerWitness)).map((r) => r.toUser);
  const internalSaw = requestsReceived(await lab.stop(internalWitness)).map((r) => r.toUser);
  expect(outbound.exitCode, describeSippRun(outbound)).toBe(0);
  expect(inbound.exitCode, describeSippRun(inbound)).toBe(0);
  const byUser = (run: SippResult) => new Map(finalResponses(run).map((r) => [r.toUser, `${r.status} ${r.reason}`]));
  return { outbound: byUser(outbound), inbound: byUser(inbound), peerSaw, internalSaw };
}

describe('durability: SIGKILL under SIPp load, restart on the same SQLite file', () => {
  it('P4 Y2 every 604 learned and every tombstone written before SIGKILL is still enforced after the restart, with neither UAS reached', async () => {
    const { stored, seenByUac, tombstoned, load } = await learnUntilKilled();
    // Killed mid-load: some calls were never answered; every 604 the UAC got had been stored first.
    expect(finalResponses(load).length, describeSippRun(load)).toBeLessThan(LOAD_CALLS);
    expect(stored.length).toBeGreaterThanOrEqual(KILL_AFTER_LEARNED);
    expect(seenByUac.filter((user) => !stored.includes(user))).toEqual([]);
    expect(tombstoned.length).toBeGreaterThan(5);

    const after = await checkAfterRestart(stored, tombstoned);
    expect(after.outbound.get('never-seen')).toBe('604 Does Not Exist Anywhere');
    expect(
      stored.filter((user) => after.outbound.get(user) !== '404 Not Found (604 from b.example.net cached)'),
    ).toEqual([]);
    expect(after.inbound.get('alive')).toBe('200 OK');
    expect(tombstoned.filter((user) => after.inbound.get(user) !== '404 Not Found')).toEqual([]);
    expect(after.peerSaw).toEqual(['never-seen']);
    expect(after.internalSaw).toEqual(['alive']);
  }, 120_000);
});
