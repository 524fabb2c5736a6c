// Test helper for policy rules: a PolicyContext with the profile's defaults, a store, and a wall
// clock that tests move by hand (`nowMs`). `PolicyFixture.withMemoryStore()` gives a MemoryStore on
// that same clock, so TTLs and token buckets follow the hand-moved time; `withSubscriptions()` adds a
// subscription dialog tracker on that store (P7-P9, X3). `borderPolicyFixture()` builds a whole
// BorderPolicy as the edge does.

import { parseConfigText } from '../../src/config/load-config.js';
import type { Logger } from '../../src/observability/logger.js';
import { silentLogger } from '../../src/observability/logger.js';
import { BorderPolicy, type BorderPolicyOptions } from '../../src/policy/border-policy.js';
import { DEFAULT_CHAINS, type PolicyChains } from '../../src/policy/chains.js';
import { createCommunityFacts } from '../../src/policy/community-facts.js';
import { PeerLimitTable } from '../../src/policy/peer-limits.js';
import type { CommunityFacts, PolicyContext } from '../../src/policy/policy-context.js';
import type { ChainOptions, RuleMode } from '../../src/policy/run-chain.js';
import type { PolicyLimits } from '../../src/policy/policy-limits.js';
import { RequestAddresses } from '../../src/policy/request-addresses.js';
import { SubscriptionTracker } from '../../src/policy/subscriptions/subscription-tracker.js';
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
  minRefreshIntervalPercent: 50,
  earlyRefreshTolerance: 2,
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
  /** Track subscription dialogs (P7-P9, X3) in a SubscriptionTracker on the fixture's store. */
  readonly subscriptions?: boolean;
}

export class PolicyFixture {
  nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
  readonly store: StateStore;
  readonly context: PolicyContext;
  /** Present when built with `subscriptions: true`. */
  readonly subscriptions: SubscriptionTracker | undefined;

  /** `store: 'memory'`: a MemoryStore on this fixture's clock (no periodic sweep). */
  constructor(options: FixtureOptions = {}) {
    this.store =
      options.store === 'memory'
        ? new MemoryStore({ now: () => this.nowMs, sweepIntervalMs: 0 })
        : (options.store ??
          new Proxy({} as StateStore, {
            get: () => () => Promise.reject(new Error('this rule must not use the store')),
          }));
    this.subscriptions =
      options.subscriptions === true ? new SubscriptionTracker({ store: this.store, maxDialogs: 10_000 }) : undefined;
    this.context = {
      direction: options.direction ?? 'inbound',
      peer: options.peer ?? 'b.example.net',
      discovered: options.discovered ?? false,
      limits: { ...TEST_LIMITS, ...options.limits },
      localDomains: new Set(['a.example.com']),
      community: { ...TEST_COMMUNITY, ...options.community },
      store: this.store,
      addresses: new RequestAddresses(),
      now: () => this.nowMs,
      ...(this.subscriptions === undefined ? {} : { subscriptions: this.subscriptions }),
    };
  }

  /** A fixture with a MemoryStore and a subscription dialog tracker on it. */
  static withSubscriptions(options: Omit<FixtureOptions, 'store' | 'subscriptions'> = {}): PolicyFixture {
    return new PolicyFixture({ ...options, store: 'memory', subscriptions: true });
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
  /** The From tag (default b1). */
  readonly fromTag?: string;
  readonly callId?: string;
}

export function request(method: string, extra: string[] = [], options: RequestOptions = {}): IncomingRequest {
  const body = options.body ?? '';
  const message = parse(
    [
      `${method} ${options.uri ?? 'sip:alice@a.example.com'} SIP/2.0`,
      'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-policy',
      'Max-Forwards: 70',
      `From: <${options.from ?? 'sip:bob@b.example.net'}>;tag=${options.fromTag ?? 'b1'}`,
      `To: <${options.uri ?? 'sip:alice@a.example.com'}>${options.toTag === undefined ? '' : `;tag=${options.toTag}`}`,
      `Call-ID: ${options.callId ?? 'policy-test@b.example.net'}`,
      `CSeq: 1 ${method}`,
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\n'),
  );
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

export function response(status: number, method: string, extra: string[] = [], reason = 'Whatever'): IncomingResponse {
  const message = parse(
    [
      `SIP/2.0 ${status} ${reason}`,
      'Via: SIP/2.0/TLS edge.b.example.net:5061;branch=z9hG4bK-policy',
      'From: <sip:bob@b.example.net>;tag=b1',
      'To: <sip:alice@a.example.com>;tag=a9',
      'Call-ID: policy-test@b.example.net',
      `CSeq: 1 ${method}`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\n'),
  );
  if (message.kind !== 'response') throw new Error('expected a response');
  return message;
}

function parse(text: string) {
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message')
    throw new Error(`not a message: ${frame.kind === 'error' ? frame.error.message : frame.kind}`);
  return frame.message;
}

// ---------------------------------------------------------------------------------------------
// One subscription dialog (P7-P9, X3): bob@b.example.net (tag b1) watches alice@a.example.com (the
// notifier, tag a9), Call-ID policy-test@b.example.net. The same messages serve an outbound
// subscription: only the context's direction tells which side each end is on.

export const WATCHER_CONTACT = 'sip:bob@198.51.100.7:5061;transport=tls';
export const NOTIFIER_CONTACT = 'sip:alice@10.0.0.6:5060;transport=tcp';
/**
 * The 2xx's Record-Route, topmost (the notifier's side) first: the community's presence proxy, the
 * edge's double entry (internal, external: proxy-harness LISTENERS), the peer's edge.
 */
export const DIALOG_RECORD_ROUTE =
  'Record-Route: <sip:presence-proxy.a.example.com;lr>, <sip:192.0.2.1:5060;transport=tcp;lr>, <sip:203.0.113.1:5061;transport=tls;lr>, <sip:edge.b.example.net;transport=tls;lr>';

export function pidf(basic: 'open' | 'closed', note = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:alice@a.example.com">' +
    `<tuple id="t1"><status><basic>${basic}</basic></status>${note}</tuple></presence>`
  );
}

/** An initial SUBSCRIBE (no To tag), or with `toTag: 'a9'` a re-SUBSCRIBE in the dialog. */
export function subscribe(extra: string[] = [], options: RequestOptions = {}): IncomingRequest {
  return request(
    'SUBSCRIBE',
    ['Event: presence', `Contact: <${WATCHER_CONTACT}>`, 'Accept: application/pidf+xml', ...extra],
    options,
  );
}

export function reSubscribe(extra: string[] = [], options: RequestOptions = {}): IncomingRequest {
  return subscribe(extra, { toTag: 'a9', ...options });
}

/** The notifier's 2xx creating the dialog: Expires, its Contact, the Record-Route of the path. */
export function subscribeOk(expires = 3600, extra: string[] = [DIALOG_RECORD_ROUTE]): IncomingResponse {
  return response(200, 'SUBSCRIBE', [`Expires: ${expires}`, `Contact: <${NOTIFIER_CONTACT}>`, ...extra], 'OK');
}

/** A NOTIFY in the dialog with this Subscription-State and (PIDF) body. */
export function notify(state: string, body?: string, extra: string[] = []): IncomingRequest {
  return request(
    'NOTIFY',
    [
      'Event: presence',
      `Subscription-State: ${state}`,
      `Contact: <${NOTIFIER_CONTACT}>`,
      ...(body === undefined ? [] : ['Content-Type: application/pidf+xml']),
      ...extra,
    ],
    {
      uri: WATCHER_CONTACT,
      from: 'sip:alice@a.example.com',
      fromTag: 'a9',
      toTag: 'b1',
      ...(body === undefined ? {} : { body }),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// A whole BorderPolicy, wired as createEdge wires it (src/edge.ts, createBorderPolicy), for tests that
// run the chains end to end.

export interface BorderPolicyFixtureOptions {
  /** The edge configuration text (YAML); the policy's domains, community facts and limits come from it. */
  readonly config?: string;
  readonly store?: StateStore;
  readonly chains?: PolicyChains;
  /** Per rule name; then `policy.rules`, then `policy.mode`, as createEdge does. */
  readonly modes?: Readonly<Record<string, RuleMode>>;
  /** Limits laid over every peer's. */
  readonly limits?: Partial<PolicyLimits>;
  /** Instead of the configuration's agreements and defaults. */
  readonly limitsFor?: BorderPolicyOptions['limitsFor'];
  readonly decisions?: BorderPolicyOptions['decisions'];
  readonly peerPolicyOf?: BorderPolicyOptions['peerPolicyOf'];
  readonly log?: Logger;
  readonly now?: () => number;
}

export function borderPolicyFixture(options: BorderPolicyFixtureOptions = {}): BorderPolicy {
  const parsed = parseConfigText(options.config ?? 'domains: [a.example.com]\n', 'policy-fixture');
  if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.problem).join('; '));
  const config = parsed.config;
  const table = new PeerLimitTable(config);
  const overlay = options.limits;
  return new BorderPolicy({
    chains: options.chains ?? DEFAULT_CHAINS,
    store: options.store ?? new MemoryStore({ sweepIntervalMs: 0 }),
    localDomains: new Set(config.domains),
    community: createCommunityFacts(config.policy),
    limitsFor:
      options.limitsFor ??
      ((peer) => {
        const resolved = table.limitsFor(peer);
        return overlay === undefined ? resolved : { ...resolved, limits: { ...resolved.limits, ...overlay } };
      }),
    modeOf: (rule) => options.modes?.[rule] ?? config.policy.rules[rule] ?? config.policy.mode,
    decisions: options.decisions ?? { inc: () => undefined },
    log: options.log ?? silentLogger(),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.peerPolicyOf === undefined ? {} : { peerPolicyOf: options.peerPolicyOf }),
  });
}
