// What a rule's decision changes, as data: rules decide, and the chain runner (run-chain.ts) applies
// the effects of each decision in one place, right after it, before the next rule decides. So a rule's
// check reads state and never writes it, and every write a decision makes is visible here.
//
// A rule in shadow mode has its effects applied as in enforce mode: they are what the rule learns (the
// NOTIFY that crossed, a watcher's early refreshes, a peer's violation), and a shadowed rule must learn
// as an enforcing one does, or its recorded decisions would drift from the ones it would make once
// enforced. What shadow mode withholds is the verdict: the reply or absorb, and header edits.
//
// Not effects: the token buckets and distinct-recipient sets (rate-limits.ts, distinct-recipients.ts)
// take and add in one atomic store operation, and the answer is that operation's result; splitting it
// would let two instances both take the last token. Nor, yet, the rules that only learn and always
// pass (the response halves of cache-604 and retry-memory, peer-outcomes, subscription-dialogs): their
// write is all they do (on the store's immediate face, in the same turn), and their tests pin that.

import type { SubscriptionTable } from './subscriptions/subscription-table.js';

export type Effect =
  /** P7, P8: a peer broke the refresh or NOTIFY-rate discipline (decisions metric, verdict `violation`). */
  | { readonly kind: 'violation'; readonly spec: 'P7' | 'P8' }
  /** P8: this NOTIFY crosses; it is now the last that crossed in its dialog. */
  | { readonly kind: 'notify-crossed'; readonly slot: number; readonly digest: number; readonly at: number }
  /** P7: the early refreshes in a row a dialog's watcher has made. */
  | { readonly kind: 'early-refreshes'; readonly slot: number; readonly count: number };

export interface EffectTarget {
  readonly table: SubscriptionTable | undefined;
  violation(spec: 'P7' | 'P8'): void;
}

export function applyEffects(effects: readonly Effect[], target: EffectTarget): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case 'violation':
        target.violation(effect.spec);
        break;
      case 'notify-crossed':
        target.table?.set(effect.slot, 'notifyDigest', effect.digest);
        target.table?.set(effect.slot, 'notifiedAt', effect.at);
        break;
      case 'early-refreshes':
        target.table?.setEarlyRefreshes(effect.slot, effect.count);
        break;
    }
  }
}
