// npm run bench: the whole inbound border chain per request (every rule enforcing) on each state
// backend, beside the same chain with every rule off (the chain's own overhead) in the same run. Each
// request comes from a fresh sender to a fresh recipient, so every store-backed rule does its lookups
// and takes its tokens. `sqlite` keeps everything on disk; `default` is what state.backend: sqlite
// opens (records on disk, counters in memory: src/state/split-store.ts). Redis is measured when
// redis-server is installed. Figures only, no asserts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stateSchema } from '../src/config/state-schema.js';
import { parseConfigText } from '../src/config/load-config.js';
import { silentLogger } from '../src/observability/logger.js';
import { BorderPolicy } from '../src/policy/border-policy.js';
import { DEFAULT_CHAINS } from '../src/policy/chains.js';
import { createCommunityFacts } from '../src/policy/community-facts.js';
import { PeerLimitTable } from '../src/policy/peer-limits.js';
import { SubscriptionTracker } from '../src/policy/subscriptions/subscription-tracker.js';
import { parseDatagram } from '../src/sip/datagram-parser.js';
import type { IncomingRequest } from '../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../src/sip/parser-limits.js';
import { MemoryStore } from '../src/state/memory-store.js';
import { createStateStore } from '../src/state/create-state-store.js';
import { RedisStore } from '../src/state/redis-store.js';
import { SqliteStore } from '../src/state/sqlite-store.js';
import type { StateStore } from '../src/state/state-store.js';
import { findProgram } from '../test/support/apt.js';
import { startRedisServer } from '../test/support/redis-server.js';

const REQUESTS = 20_000;

const parsed = parseConfigText(
  'domains: [a.example.com]\nagreements:\n  - peer: b.example.net\n    limits: { perSender: { capacity: 1000000, refillPerSecond: 1000000 }, perPeer: { capacity: 1000000, refillPerSecond: 1000000 }, perRecipient: { capacity: 1000000, refillPerSecond: 1000000 } }\n',
  'bench',
);
if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
const config = parsed.config;

function message(i: number): IncomingRequest {
  const text = [
    `MESSAGE sip:user${i}@a.example.com SIP/2.0`,
    `Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-${i}`,
    'Max-Forwards: 69',
    `From: <sip:sender${i}@b.example.net>;tag=f${i}`,
    `To: <sip:user${i}@a.example.com>`,
    `Call-ID: bench-${i}@b.example.net`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    'Content-Length: 5',
    '',
    'hello',
  ].join('\r\n');
  const frame = parseDatagram(Buffer.from(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('bench message did not parse');
  return frame.message;
}

function policy(store: StateStore, mode: 'enforce' | 'off'): BorderPolicy {
  const limits = new PeerLimitTable(config);
  return new BorderPolicy({
    chains: DEFAULT_CHAINS,
    store,
    localDomains: new Set(config.domains),
    community: createCommunityFacts(config.policy),
    subscriptions: new SubscriptionTracker({ store, maxDialogs: 1000, log: silentLogger() }),
    limitsFor: (peer) => limits.limitsFor(peer),
    modeOf: () => mode,
    decisions: { inc: () => undefined },
    log: silentLogger(),
  });
}

/** Microseconds per request through the inbound chain, requests one after another. */
async function microsPerRequest(border: BorderPolicy, requests: readonly IncomingRequest[]): Promise<number> {
  for (let i = 0; i < 500; i++)
    await border.checkRequest(requests[i % requests.length]!, { direction: 'inbound', peer: 'b.example.net' });
  const started = process.hrtime.bigint();
  for (const request of requests) await border.checkRequest(request, { direction: 'inbound', peer: 'b.example.net' });
  return Number(process.hrtime.bigint() - started) / 1000 / requests.length;
}

async function main(): Promise<void> {
  const requests = Array.from({ length: REQUESTS }, (_, i) => message(i));
  const dir = mkdtempSync(path.join(tmpdir(), 'simple-edge-chain-bench-'));
  const backends: Array<[string, () => Promise<StateStore>]> = [
    ['memory', async () => new MemoryStore()],
    ['sqlite', async () => new SqliteStore({ path: path.join(dir, 'state.db') })],
    ['default', () => createStateStore(stateSchema.parse({ path: path.join(dir, 'default.db') }))],
  ];
  const redis = findProgram(['redis-server']) === undefined ? undefined : await startRedisServer();
  if (redis !== undefined) backends.push(['redis', () => RedisStore.connect({ url: redis.url })]);
  console.log(
    `simple-edge inbound border chain: ${DEFAULT_CHAINS.inboundRequest.length} request rules, ${REQUESTS.toLocaleString('en-US')} MESSAGEs from distinct senders to distinct recipients`,
  );
  try {
    for (const [name, open] of backends) {
      const store = await open();
      const off = await microsPerRequest(policy(store, 'off'), requests);
      const on = await microsPerRequest(policy(store, 'enforce'), requests);
      console.log(
        `  ${name.padEnd(7)} every rule on ${on.toFixed(1).padStart(7)} µs/request   every rule off ${off.toFixed(1).padStart(5)} µs/request`,
      );
      await store.close();
    }
    if (redis === undefined) console.log('  redis   not measured: redis-server is not installed');
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
