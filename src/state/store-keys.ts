// Where the border policy and the community keep what they remember in the shared store (O7: every instance of one
// domain sees the same keys). The admin API (O3) lists and purges by these prefixes; the
// layout is documented in docs/POLICY.md, "Store keys". Every key is `<prefix><part>`; a part too long
// for a readable key (a pathological URI) is replaced by `sha256:<hex>` of itself.

import { createHash } from 'node:crypto';

export const KEY_PREFIXES = {
  /** P4: a 604 from a peer, by target address-of-record. Record, TTL cache604Seconds. */
  cached604: '604:',
  /** Y2: a removed address, by address-of-record. Record, TTL tombstoneSeconds. */
  tombstone: 'tombstone:',
  /** P2: the 4xx a request got, by digest of (method, sender, target, content). Record, TTL retryWindowSeconds. */
  retry: 'retry:',
  /**
   * P2: a sender that has at least one `retry:` record, by sender AOR. Record, same TTL. The digest of
   * a request is worked out only for senders marked here: almost every request meets no remembered 4xx.
   */
  retrySender: 'retry-sender:',
  /** Y1 token buckets, by sender AOR, recipient AOR and peer domain. */
  senderRate: 'rate:sender:',
  recipientRate: 'rate:recipient:',
  peerRate: 'rate:peer:',
  suspiciousPeerRate: 'rate:suspicious-peer:',
  /** G2: outbound buckets at the rates a peer publishes, by peer domain and by `<peer> <sender AOR>`. */
  publishedPeerRate: 'rate:published-peer:',
  publishedSenderRate: 'rate:published-sender:',
  /** Y1 distinct-recipient sets, by sender AOR and peer domain. TTL distinctRecipientsWindowSeconds. */
  senderRecipients: 'recipients:sender:',
  peerRecipients: 'recipients:peer:',
  /** Y1 outcome counters: `outcomes:<peer>:<window start, epoch seconds>:<failed|ok>`. */
  peerOutcomes: 'outcomes:',
  /** P7-P9, X3: a tracked subscription dialog, by dialog id. Record, TTL until its expiry plus a grace. */
  subscription: 'sub:',
  /** X3: `watchers:<presentity AOR>:<dialog id>`, an external watcher of a local presentity. Same TTL. */
  watchers: 'watchers:',
} as const;

export type KeyKind = keyof typeof KEY_PREFIXES;

/** Longest readable part; longer ones are hashed so the key stays under the store's 1024 characters. */
const MAX_READABLE_PART = 512;

export function storeKey(kind: KeyKind, part: string): string {
  return KEY_PREFIXES[kind] + boundedPart(part);
}

/** A store key or set member of bounded length for any text. */
export function boundedPart(part: string): string {
  return part.length <= MAX_READABLE_PART ? part : `sha256:${sha256(part)}`;
}

export function sha256(...parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256');
  // Each part is length-prefixed, so ("ab", "c") and ("a", "bc") never collide.
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

/** Prefixes under which only counters, token buckets and sets live, never records (split-store.ts). */
export const VOLATILE_KEY_PREFIXES: readonly string[] = [
  KEY_PREFIXES.senderRate,
  KEY_PREFIXES.recipientRate,
  KEY_PREFIXES.peerRate,
  KEY_PREFIXES.suspiciousPeerRate,
  KEY_PREFIXES.publishedPeerRate,
  KEY_PREFIXES.publishedSenderRate,
  KEY_PREFIXES.senderRecipients,
  KEY_PREFIXES.peerRecipients,
  KEY_PREFIXES.peerOutcomes,
];
