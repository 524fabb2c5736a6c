// O7, D2: a request whose handling needs the shared store while the store does not answer (Redis away,
// the store closed under a stopping edge) is the edge's temporary inability, not a fault of the
// request: 503 with Retry-After (RFC 3261 §21.5.4) lets a peer fail over to another instance of this
// domain (RFC 3263 §4.3), where a 500 would end the transaction for good.

import { isStateError, type StateErrorCode } from '../state/state-error.js';
import type { Answer } from './validate-request.js';

/** Seconds a client is asked to wait while the store is away: about the Redis client's reconnect pace. */
export const STORE_OUTAGE_RETRY_AFTER_S = 5;

const OUTAGE_CODES: ReadonlySet<StateErrorCode> = new Set(['STATE_UNAVAILABLE', 'STATE_CLOSED']);

/** The answer to a request that failed because the store did not answer; undefined for any other failure. */
export function storeOutageAnswer(error: unknown): (Answer & { readonly detail: string }) | undefined {
  if (!isStateError(error) || !OUTAGE_CODES.has(error.code)) return undefined;
  return {
    status: 503,
    reason: 'Store Unavailable',
    headers: [['Retry-After', String(STORE_OUTAGE_RETRY_AFTER_S)]],
    because: 'O7 store-unavailable',
    detail: `${error.code}: ${error.message}`,
  };
}
