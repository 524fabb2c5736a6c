// The limits a rule applies to one peer: the profile's conservative defaults, the stricter defaults
// for discovered peers (Y1), or what the peer's agreement says (G1). The configuration layer builds
// these; rules only read them.

export interface RateLimit {
  /** Burst: requests admitted at once. */
  readonly capacity: number;
  /** Sustained rate: requests per second. */
  readonly refillPerSecond: number;
}

export interface PolicyLimits {
  /** M4: a request larger than this is answered 513. */
  readonly maxMessageBytes: number;
  /** S2: accumulated Record-Route bytes above this are answered 513. */
  readonly maxRecordRouteBytes: number;
  /** P6: SUBSCRIBE Expires below this is answered 423 with Min-Expires. */
  readonly minSubscriptionExpiresSeconds: number;
  /** P6: a granted Expires above this is lowered. */
  readonly maxSubscriptionExpiresSeconds: number;
  /** P8: unchanged NOTIFYs cross at most once per this interval. */
  readonly notifyIntervalSeconds: number;
  /**
   * P7: a re-SUBSCRIBE with unchanged parameters is early when less than this percentage of the
   * subscription's granted period has passed since it was last refreshed (0 turns P7 off).
   */
  readonly minRefreshIntervalPercent: number;
  /** P7: early refreshes a peer's watcher may make in a row (counted as violations) before they are refused. */
  readonly earlyRefreshTolerance: number;
  /** P4: how long a 604 from a peer is remembered (at most 30 days). */
  readonly cache604Seconds: number;
  /** P2: how long a 4xx answers automatic retries of the same request at the border. */
  readonly retryWindowSeconds: number;
  /** Y2: how long a removed address stays unassignable (90 days). */
  readonly tombstoneSeconds: number;
  /** Y3, M1, P1: never reveal whether an address exists. */
  readonly confidential: boolean;
  /** Y1 token buckets. */
  readonly perSender: RateLimit;
  readonly perPeer: RateLimit;
  readonly perRecipient: RateLimit;
  /** Y1: the trickle a peer drops to when its failures look like harvesting. */
  readonly suspiciousPeer: RateLimit;
  /** Y1 harvesting caps: distinct recipients in a window. */
  readonly maxDistinctRecipientsPerSender: number;
  readonly maxDistinctRecipientsPerPeer: number;
  readonly distinctRecipientsWindowSeconds: number;
  /** Y1: how an over-limit request is answered: 503 with Retry-After, or 403. */
  readonly overLimitStatus: 503 | 403;
  readonly retryAfterSeconds: number;
  /** X2: the peer's agreement says it asserts user trust levels, so its trust header is kept. */
  readonly peerAssertsTrust: boolean;
}
