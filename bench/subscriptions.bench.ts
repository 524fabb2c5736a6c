// npm run bench: the subscription dialog tracker behind P7-P9 and X3. Two figures:
//  - memory per tracked dialog with 100,000 and 1,000,000 live dialogs in the process: JavaScript
//    heap plus the typed arrays' backing stores (Node counts those as arrayBuffers, outside
//    heapUsed), measured after a full GC with the store out of process (SQLite file, Redis);
//  - the P8 NOTIFY decision: the notify-rate rule's check on a freshly parsed NOTIFY in one of the
//    1,000,000 dialogs (dialog id, state digest, table lookup and update), unchanged (answered here)
//    and changed (crosses). Parsing is timed alone and subtracted. Figures are printed, never asserted.
// Run: node --expose-gc dist/bench/subscriptions.bench.js

import { parseConfigText } from '../src/config/load-config.js';
import { createCommunityFacts } from '../src/policy/community-facts.js';
import { PeerLimitTable } from '../src/policy/peer-limits.js';
import type { PolicyContext } from '../src/policy/policy-context.js';
import { RequestAddresses } from '../src/policy/request-addresses.js';
import { DEFAULT_CHAINS } from '../src/policy/chains.js';
import { outboundNotifyRate } from '../src/policy/rules/notify-rate.js';
import { decideRequest, runRequestChain, type ChainOptions } from '../src/policy/run-chain.js';
import { dialogId } from '../src/policy/subscriptions/dialog-id.js';
import { SubscriptionTracker } from '../src/policy/subscriptions/subscription-tracker.js';
import type { SubscriptionRecord } from '../src/policy/subscriptions/subscription-record.js';
import { parseDatagram } from '../src/sip/datagram-parser.js';
import type { IncomingRequest } from '../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../src/sip/parser-limits.js';
import type { StateStore } from '../src/state/state-store.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const TARGET_BYTES_AT_1M = 500 * 1024 * 1024;

/** The store as the tracker sees a backend in another process: every call answered, nothing kept here. */
const remoteStore = new Proxy({} as StateStore, {
  get: (_target, name) =>
    name === 'list' ? async () => [] : name === 'increment' ? async () => 1 : async () => undefined,
});

const gc = (globalThis as { gc?: () => void }).gc;

function usedBytes(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

function heapOnly(): number {
  return process.memoryUsage().heapUsed;
}

function dialogRecord(i: number): SubscriptionRecord {
  const callId = `${i.toString(36)}-c8f1a2b4d9e7@pc${i % 997}.b.example.net`;
  return {
    id: dialogId({
      callId,
      watcherTag: `w${i.toString(36)}x9`,
      notifierTag: `n${i.toString(36)}q2`,
      event: 'presence',
    }),
    direction: 'inbound',
    peer: 'b.example.net',
    presentity: `sip:user${i % 50_000}@a.example.com`,
    event: 'presence',
    callId,
    watcher: '',
    notifier: '',
    watcherContact: '',
    notifierContact: '',
    recordRoute: [],
    createdAt: NOW,
    refreshedAt: NOW,
    expiresAt: NOW + 3_600_000 + (i % 3600) * 1000,
    paramsDigest: 1234567,
    watcherCSeq: 1,
    notifierCSeq: 0,
  };
}

async function track(count: number): Promise<SubscriptionTracker> {
  const tracker = new SubscriptionTracker({ store: remoteStore, maxDialogs: 2_000_000 });
  for (let i = 0; i < count; i++) await tracker.create(dialogRecord(i), NOW);
  return tracker;
}

async function measureMemory(
  count: number,
): Promise<{ tracker: SubscriptionTracker; perDialog: number; total: number; heapPerDialog: number }> {
  const before = usedBytes();
  const heapBefore = heapOnly();
  const tracker = await track(count);
  const total = usedBytes() - before;
  return { tracker, perDialog: total / count, total, heapPerDialog: (heapOnly() - heapBefore) / count };
}

function notifyText(i: number, basic: 'open' | 'closed'): Buffer {
  const callId = `${i.toString(36)}-c8f1a2b4d9e7@pc${i % 997}.b.example.net`;
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:user${i % 50_000}@a.example.com">\n` +
    `  <tuple id="t1"><status><basic>${basic}</basic></status><contact>sip:user@pc.a.example.com</contact>` +
    `<timestamp>2026-11-21T12:00:00Z</timestamp></tuple>\n</presence>\n`;
  return Buffer.from(
    [
      'NOTIFY sip:watcher@198.51.100.7:5061;transport=tls SIP/2.0',
      'Via: SIP/2.0/TCP 10.0.0.6:5060;branch=z9hG4bK-ps-' + i,
      'Max-Forwards: 69',
      'Route: <sip:edge.b.example.net;transport=tls;lr>',
      `From: <sip:user${i % 50_000}@a.example.com>;tag=n${i.toString(36)}q2`,
      `To: <sip:watcher@b.example.net>;tag=w${i.toString(36)}x9`,
      `Call-ID: ${callId}`,
      'CSeq: 12 NOTIFY',
      'Event: presence',
      'Subscription-State: active;expires=3000',
      'Contact: <sip:ps@10.0.0.6:5060;transport=tcp>',
      'Content-Type: application/pidf+xml',
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
    'latin1',
  );
}

function parseRequest(bytes: Buffer): IncomingRequest {
  const frame = parseDatagram(bytes, DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('benchmark NOTIFY did not parse');
  return frame.message;
}

function policyContext(tracker: SubscriptionTracker): PolicyContext {
  const parsed = parseConfigText('domains: [a.example.com]\n', 'bench');
  if (!parsed.ok) throw new Error('default configuration invalid');
  const { limits, discovered } = new PeerLimitTable(parsed.config).limitsFor('b.example.net');
  return {
    direction: 'outbound',
    peer: 'b.example.net',
    discovered,
    limits,
    localDomains: new Set(['a.example.com']),
    community: createCommunityFacts(parsed.config.policy),
    store: remoteStore,
    addresses: new RequestAddresses(),
    subscriptions: tracker,
    now: () => NOW + 60_000,
  };
}

/**
 * Microseconds per check: NOTIFYs to distinct random dialogs, each parsed and checked at once as the
 * proxy does; the time of parsing the same bytes alone is subtracted. The median of 20 rounds.
 */
type Decide = (request: IncomingRequest, context: PolicyContext) => Promise<string>;

const ENFORCE: ChainOptions = { modeOf: () => 'enforce', observer: { decided: () => undefined } };
/** The notify-rate rule alone. */
const rule: Decide = async (request, context) => (await decideRequest(outboundNotifyRate, request, context)).kind;
/** The whole outbound request chain a NOTIFY from our presence server meets (bookkeeping, P7, P8, the rest). */
const chain: Decide = async (request, context) =>
  (await runRequestChain(DEFAULT_CHAINS.outboundRequest, request, context, ENFORCE)).verdict.kind;

async function timeDecisions(
  decide: Decide,
  context: PolicyContext,
  live: number,
  options: { warm: 'open' | 'closed'; timed: 'open' | 'closed'; expect: string },
): Promise<number> {
  const rounds = 20;
  const batch = 5000;
  const perRound: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const picks = distinctPicks(batch, live);
    for (const i of picks) await decide(parseRequest(notifyText(i, options.warm)), context);
    const timed = picks.map((i) => notifyText(i, options.timed));
    let started = process.hrtime.bigint();
    for (const bytes of timed) parseRequest(bytes);
    const parseNs = Number(process.hrtime.bigint() - started);
    started = process.hrtime.bigint();
    for (const bytes of timed) {
      const verdict = await decide(parseRequest(bytes), context);
      if (verdict !== options.expect) throw new Error(`expected ${options.expect}, got ${verdict}`);
    }
    perRound.push((Number(process.hrtime.bigint() - started) - parseNs) / 1000 / batch);
  }
  return perRound.sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
}

/** `count` distinct dialogs at random: a dialog twice in one batch would see its own earlier NOTIFY. */
function distinctPicks(count: number, live: number): number[] {
  const picks = new Set<number>();
  while (picks.size < count) picks.add(Math.floor(Math.random() * live));
  return [...picks];
}

async function main(): Promise<void> {
  if (gc === undefined) console.log('(run with --expose-gc for exact memory figures)');
  console.log('subscription dialogs tracked (P7-P9, X3): memory per dialog, heap + typed arrays, store out of process');
  let big: Awaited<ReturnType<typeof measureMemory>> | undefined;
  for (const count of [100_000, 1_000_000]) {
    const result = await measureMemory(count);
    const verdict =
      count === 1_000_000
        ? result.total < TARGET_BYTES_AT_1M
          ? '  (target < 500 MB: met)'
          : '  (target < 500 MB: MISSED)'
        : '';
    console.log(
      `  ${count.toLocaleString('en-US').padStart(9)} live  ${result.perDialog.toFixed(0).padStart(5)} B/dialog ` +
        `(JS heap ${result.heapPerDialog.toFixed(0)} B)  ${(result.total / 1024 / 1024).toFixed(1).padStart(6)} MB in all${verdict}`,
    );
    big = count === 1_000_000 ? result : undefined;
  }
  const context = policyContext(big!.tracker);
  const unchanged = await timeDecisions(rule, context, 1_000_000, { warm: 'open', timed: 'open', expect: 'absorb' });
  const changed = await timeDecisions(rule, context, 1_000_000, { warm: 'open', timed: 'closed', expect: 'pass' });
  const chained = await timeDecisions(chain, context, 1_000_000, { warm: 'closed', timed: 'closed', expect: 'absorb' });
  console.log('P8 NOTIFY decision with 1,000,000 dialogs tracked (parse excluded)');
  console.log(`  notify-rate rule, unchanged: answered at the border   ${unchanged.toFixed(2).padStart(6)} µs`);
  console.log(`  notify-rate rule, changed state: crosses              ${changed.toFixed(2).padStart(6)} µs`);
  console.log(`  whole outbound chain, unchanged: answered             ${chained.toFixed(2).padStart(6)} µs`);
}

await main();
