// Y1 graded response (003 §10.2: "MAY reject or close connections, provide degraded service"): the
// final answers this community gives to a peer's new requests are counted per peer in a fixed window
// (distinctRecipientsWindowSeconds). A peer whose requests mostly fail on addresses that do not lead
// anywhere (404, 604, …) looks like an address harvester: first it drops to the suspiciousPeer
// trickle rate, then it is cut off until the window ends (rate-limits.ts reads the standing).

import { andThen } from '../../state/awaitable.js';
import type { Awaitable } from '../../state/state-store.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import { defineResponseRule, pass } from '../rule.js';
import { storeKey } from '../../state/store-keys.js';

/** Answers that say "no such address here": what a harvester collects. */
export const FAILED_STATUSES: ReadonlySet<number> = new Set([403, 404, 410, 484, 604]);

/** The thresholds, in one place (docs/POLICY.md, Y1 harvesting). */
export const HARVESTING_THRESHOLDS = {
  /** Suspicious: at least this many failures in the window … */
  suspiciousFailures: 20,
  /** … and at least this many failures per success (1: half or more of the answers failed). */
  suspiciousRatio: 1,
  /** Cut off: at least this many failures … */
  cutOffFailures: 100,
  /** … and at least this many per success (4: four in five answers failed). */
  cutOffRatio: 4,
} as const;

export type PeerStanding =
  | { readonly kind: 'normal' }
  | { readonly kind: 'suspicious' }
  /** Refused until `untilMs`, the end of the window. */
  | { readonly kind: 'cut-off'; readonly untilMs: number };

type Outcome = 'failed' | 'ok';

interface OutcomeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

function outcomeWindow(context: PolicyContext): OutcomeWindow {
  const lengthMs = context.limits.distinctRecipientsWindowSeconds * 1000;
  const startMs = Math.floor(context.now() / lengthMs) * lengthMs;
  return { startMs, endMs: startMs + lengthMs };
}

function outcomeKey(context: PolicyContext, window: OutcomeWindow, outcome: Outcome): string {
  return storeKey('peerOutcomes', `${context.peer}:${window.startMs / 1000}:${outcome}`);
}

const NORMAL: PeerStanding = Object.freeze({ kind: 'normal' });
const SUSPICIOUS: PeerStanding = Object.freeze({ kind: 'suspicious' });

export function peerStanding(context: PolicyContext): Awaitable<PeerStanding> {
  const window = outcomeWindow(context);
  // Nearly every peer has fewer failures than it takes to look suspicious: then its successes do not matter.
  return andThen(context.store.get<number>(outcomeKey(context, window, 'failed')), (failed = 0) => {
    const t = HARVESTING_THRESHOLDS;
    if (failed < t.suspiciousFailures) return NORMAL;
    return andThen(context.store.get<number>(outcomeKey(context, window, 'ok')), (ok = 0) => {
      if (failed >= t.cutOffFailures && failed >= t.cutOffRatio * ok) return { kind: 'cut-off', untilMs: window.endMs };
      return failed >= t.suspiciousRatio * ok ? SUSPICIOUS : NORMAL;
    });
  });
}

export const peerOutcomes = defineResponseRule({
  id: 'Y1',
  name: 'peer-outcomes',
  phase: 'response',
  check(request, response, context) {
    if (context.direction !== 'inbound' || !isOutOfDialog(request)) return pass();
    const outcome: Outcome | undefined =
      response.status < 300 ? 'ok' : FAILED_STATUSES.has(response.status) ? 'failed' : undefined;
    if (outcome === undefined) return pass();
    const window = outcomeWindow(context);
    // The counter lives until the window ends; the next window starts from nothing.
    return andThen(
      context.store.increment(outcomeKey(context, window, outcome), {
        ttlMs: Math.max(1, window.endMs - context.now()),
      }),
      pass,
    );
  },
});
