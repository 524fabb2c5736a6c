// Token bucket arithmetic (Y1 rate limits) for the backends that compute in JavaScript; the Redis
// backend runs the same steps in Lua (redis-scripts.ts) so that the decision is atomic on the server.

import { StateError } from './state-error.js';
import type { TokenBucket, TokenResult } from './state-store.js';

/** What a backend keeps per bucket. An absent bucket is a full one. */
export interface BucketState {
  readonly tokens: number;
  /** Wall-clock milliseconds of the last take. */
  readonly updatedAt: number;
}

export interface BucketStep {
  readonly result: TokenResult;
  readonly state: BucketState;
  /** When the bucket is full again: after that, forgetting it changes nothing, so it may expire. */
  readonly expiresAt: number;
}

// Refill is fractional: without a tolerance ten refills of 0.1 fall short of 1 token and refuse a take
// that is due, or round a wait of 1 ms up to 2.
const EPSILON = 1e-9;
const EPSILON_MS = 1e-6;

function invalid(detail: string): StateError {
  return new StateError('STATE_ARGUMENT_INVALID', detail);
}

/** Checks a bucket's figures; returns the cost (default 1). */
export function checkBucket(bucket: TokenBucket): number {
  const { capacity, refillPerSecond } = bucket;
  const cost = bucket.cost ?? 1;
  if (!Number.isFinite(capacity) || capacity <= 0) throw invalid(`capacity must be above 0, got ${String(capacity)}`);
  if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
    throw invalid(`refillPerSecond must be above 0, got ${String(refillPerSecond)}`);
  }
  if (!Number.isFinite(cost) || cost <= 0 || cost > capacity) {
    throw invalid(`cost must be above 0 and at most the capacity ${capacity}, got ${String(cost)}`);
  }
  return cost;
}

/** Refill for the time since the last take, then take `cost` tokens if they are there. */
export function takeFromBucket(previous: BucketState | undefined, bucket: TokenBucket, nowMs: number): BucketStep {
  const cost = bucket.cost ?? 1;
  const { capacity, refillPerSecond } = bucket;
  // A clock that stepped back (another instance, NTP) must not mint or destroy tokens.
  const elapsedMs = previous === undefined ? 0 : Math.max(0, nowMs - previous.updatedAt);
  const start = previous === undefined ? capacity : previous.tokens;
  let tokens = Math.min(capacity, start + (elapsedMs * refillPerSecond) / 1000);
  const allowed = tokens + EPSILON >= cost;
  let retryAfterMs = 0;
  if (allowed) tokens = Math.max(0, tokens - cost);
  else retryAfterMs = msUntil(cost - tokens, refillPerSecond);
  const fullInMs = msUntil(capacity - tokens, refillPerSecond);
  return {
    result: { allowed, remaining: Math.floor(tokens + EPSILON), retryAfterMs },
    state: { tokens, updatedAt: nowMs },
    expiresAt: nowMs + fullInMs,
  };
}

/** Whole milliseconds (at least 1) until `missing` tokens have been refilled. */
function msUntil(missing: number, refillPerSecond: number): number {
  return Math.max(1, Math.ceil((missing * 1000) / refillPerSecond - EPSILON_MS));
}
