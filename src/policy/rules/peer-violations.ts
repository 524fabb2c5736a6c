// P7, P8 (003 §5.3.1, §5.3.2): what a peer does against the refresh and NOTIFY-rate discipline is
// counted per peer, spec and window (distinctRecipientsWindowSeconds, aligned like the Y1 outcome
// counters), under `violations:<peer>:<window start>:<P7|P8>`, for the admin API and for a later
// "repeated abuse closes the connection" (Y1). The decisions metric counts the refusals too.

import type { PolicyContext } from '../policy-context.js';
import { storeKey } from '../../state/store-keys.js';

export type ViolationSpec = 'P7' | 'P8';

export function violationKey(peer: string, windowStartMs: number, spec: ViolationSpec): string {
  return storeKey('violations', `${peer}:${windowStartMs / 1000}:${spec}`);
}

/** Count one violation by the context's peer; the count in this window so far. */
export async function countPeerViolation(context: PolicyContext, spec: ViolationSpec): Promise<number> {
  const lengthMs = context.limits.distinctRecipientsWindowSeconds * 1000;
  const now = context.now();
  const startMs = Math.floor(now / lengthMs) * lengthMs;
  return context.store.increment(violationKey(context.peer, startMs, spec), {
    ttlMs: Math.max(1, Math.ceil(startMs + lengthMs - now)),
  });
}
