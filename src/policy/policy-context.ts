// What a rule may know and use: which way the request crosses, which peer community is on the other
// side, the limits in force for that peer (defaults merged with its agreement, SPEC G1), the facts
// about this community the rules need (P3, X2), the shared store, and the wall clock. Nothing else:
// no sockets, no DNS, no timers.

import type { PolicyDocument } from '../config/policy-document.js';
import type { StoreOperations } from '../state/state-store.js';
import type { PolicyLimits } from './policy-limits.js';
import type { RequestAddresses } from './request-addresses.js';
import type { SubscriptionTracker } from './subscriptions/subscription-tracker.js';

/** Which way a request crosses the border. */
export type Direction = 'inbound' | 'outbound';

/** What the rules know about the community this edge serves (config `policy`). */
export interface CommunityFacts {
  /** P3: addresses-of-record (see src/sip/address-of-record.ts) with no presence or IM: 604 for everyone. */
  readonly noPresenceAddresses: ReadonlySet<string>;
  /** X2: the header that carries a user's trust level across the border. */
  readonly trustHeader: string;
}

export interface PolicyContext {
  readonly direction: Direction;
  /** The peer community's domain: the far side of the border for this request. */
  readonly peer: string;
  /** True when no agreement covers the peer: the stricter discovered-peer limits apply (Y1). */
  readonly discovered: boolean;
  /** The limits in force for this peer. */
  readonly limits: PolicyLimits;
  /** Domains this edge serves. */
  readonly localDomains: ReadonlySet<string>;
  readonly community: CommunityFacts;
  /** The shared store, through its immediate face when it has one: rules decide in the same turn then. */
  readonly store: StoreOperations;
  /**
   * P7, P8, P9, X3: the subscription dialogs the edge relays. Absent (a policy built without one),
   * the subscription rules pass everything.
   */
  readonly subscriptions?: SubscriptionTracker;
  /**
   * G2: the policy document the peer publishes, once fetched; outbound requests keep within it. The
   * NOTIFY interval of outbound requests already in `limits` is the longer of ours and the peer's.
   */
  readonly peerPolicy?: PolicyDocument;
  /** The request's target and sender addresses-of-record, worked out once per request. */
  readonly addresses: RequestAddresses;
  /** Wall-clock milliseconds (persisted expiries outlive the process). */
  now(): number;
}
