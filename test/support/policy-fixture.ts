// Test helper for policy rules: a PolicyContext with the profile's defaults, a store, and a wall
// clock that tests move by hand (`nowMs`). `PolicyFixture.withMemoryStore()` gives a MemoryStore on
// that same clock, so TTLs and token buckets follow the hand-moved time.

import type { CommunityFacts, PolicyContext } from '../../src/policy/policy-context.js';
import type { ChainOptions } from '../../src/policy/run-chain.js';
import type { PolicyLimits } from '../../src/policy/policy-limits.js';
import { parseDatagram } from '../../src/sip/datagram-parser.js';
import type { IncomingRequest, IncomingResponse } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import type { StateStore } from '../../src/state/state-store.js';
import { sip } from './sip-text.js';

export const TEST_LIMITS: PolicyLimits = {
  maxMessageBytes: 4096,
  maxRecordRouteBytes: 256,
  minSubscriptionExpiresSeconds: 600,
  maxSubscriptionExpiresSeconds: 86_400,
  notifyIntervalSeconds: 600,
  cache604Seconds: 30 * 86_400,
  retryWindowSeconds: 300,
  tombstoneSeconds: 90 * 86_400,
  confidential: false,
  perSender: { capacity: 5, refillPerSecond: 1 },
  perPeer: { capacity: 50, refillPerSecond: 20 },
  perRecipient: { capacity: 10, refillPerSecond: 2 },
  suspiciousPeer: { capacity: 1, refillPerSecond: 1 },
  maxDistinctRecipientsPerSender: 3,
  maxDistinctRecipientsPerPeer: 1000,
  distinctRecipientsWindowSeconds: 3600,
  overLimitStatus: 503,
  retryAfterSeconds: 30,
  peerAssertsTrust: false,
};

export const TEST_COMMUNITY: CommunityFacts = {
  noPresenceAddresses: new Set(['sip:all-staff@a.example.com']),
  trustHeader: 'X-Trust-Level',
};

/** Every rule enforced, decisions not observed: for running a chain in a test. */
export const ENFORCE_ALL: ChainOptions = { modeOf: () => 'enforce', observer: { decided: () => undefined } };

export interface FixtureOptions {
  readonly direction?: PolicyContext['direction'];
  readonly peer?: string;
  readonly limits?: Partial<PolicyLimits>;
  readonly community?: Partial<CommunityFacts>;
  readonly store?: StateStore | 'memory';
  readonly discovered?: boolean;
}

export class PolicyFixture {
  nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
  readonly store: StateStore;
  readonly context: PolicyContext;

  /** `store: 'memory'`: a MemoryStore on this fixture's clock (no periodic sweep). */
  constructor(options: FixtureOptions = {}) {
    this.store = options.store === 'memory' ? new MemoryStore({ now: () => this.nowMs, sweepIntervalMs: 0 })
      : options.store ?? new Proxy({} as StateStore, { get: () => () => Promise.reject(new Error('this rule must not use the store')) });
    this.context = {
      direction: options.direction ?? 'inbound', peer: options.peer ?? 'b.example.net', discovered: options.discovered ?? false,
      limits: { ...TEST_LIMITS, ...options.limits }, localDomains: new Set(['a.example.com']),
      community: { ...TEST_COMMUNITY, ...options.community }, store: this.store, now: () => this.nowMs,
    };
  }

  /** A fixture whose store is a MemoryStore on the fixture's clock. */
  static withMemoryStore(options: Omit<FixtureOptions, 'store'> = {}): PolicyFixture {
    return new PolicyFixture({ ...options, store: 'memory' });
  }

  /** The same fixture (store, clock) seen from another direction or peer, with other limits. */
  with(options: Omit<FixtureOptions, 'store'>): PolicyContext {
    return {
      ...this.context,
      ...(options.direction === undefined ? {} : { direction: options.direction }),
      ...(options.peer === undefined ? {} : { peer: options.peer }),
      ...(options.discovered === undefined ? {} : { discovered: options.discovered }),
      limits: { ...this.context.limits, ...options.limits },
      community: { ...this.context.community, ...options.community },
    };
  }

  advanceSeconds(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

export interface RequestOptions {
  readonly uri?: string;
  readonly body?: string;
  readonly from?: string;
  /** A To tag: the request is inside a dialog. */
  readonly toTag?: string;
  readonly callId?: string;
}

export function request(method: string, extra: string[] = [], options: RequestOptions = {}): IncomingRequest {
  const body = options.body ?? '';
  const message = parse([
    `${method} ${options.uri ?? 'sip:alice@a.example.com'} SIP/2.0`,
    'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-policy',
    'Max-Forwards: 70',
    `From: <${options.from ?? 'sip:bob@b.example.net'}>;tag=b1`,
    `To: <${options.uri ?? 'sip:alice@a.example.com'}>${options.toTag === undefined ? '' : `;tag=${options.toTag}`}`,
    `Call-ID: ${options.callId ?? 'policy-test@b.example.net'}`,
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`, '', body,
  ].join('\n'));
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

export function response(status: number, method: string, extra: string[] = [], reason = 'Whatever'): IncomingResponse {
  const message = parse([
    `SIP/2.0 ${status} ${reason}`, 'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-policy', 'From: <sip:bob@b.example.net>;tag=b1',
    'To: <sip:alice@a.example.com>;tag=a9', 'Call-ID: policy-test@b.example.net', `CSeq: 1 ${method}`, ...extra, 'Content-Length: 0', '', '',
  ].join('\n'));
  if (message.kind !== 'response') throw new Error('expected a response');
  return message;
}

function parse(text: string) {
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error(`not a message: ${frame.kind === 'error' ? frame.error.message : frame.kind}`);
  return frame.message;
}
