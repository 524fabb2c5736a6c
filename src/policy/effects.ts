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
// would let two instances both take the last token. Nor, yet, the response rules that only learn and
// always pass (the response halves of cache-604, retry-memory and subscription-dialogs, peer-outcomes):
// their write is all they do, on the store's immediate face in the same turn.

import type { NumberField, SubscriptionTable } from './subscriptions/subscription-table.js';
import type { SubscriptionTracker } from './subscriptions/subscription-tracker.js';

export type Effect =
  /** P7, P8: a peer broke the refresh or NOTIFY-rate discipline (decisions metric, verdict `violation`). */
  | { readonly kind: 'violation'; readonly spec: 'P7' | 'P8' }
  /** P8: this NOTIFY crosses; it is now the last that crossed in its dialog. */
  | { readonly kind: 'notify-crossed'; readonly slot: number; readonly digest: number; readonly at: number }
  /** P7: the early refreshes in a row a dialog's watcher has made. */
  | { readonly kind: 'early-refreshes'; readonly slot: number; readonly count: number }
  /** P7-P9, X3 bookkeeping: a tracked dialog's CSeq numbers or expiry moved. */
  | { readonly kind: 'dialog-set'; readonly slot: number; readonly field: NumberField; readonly value: number }
  /** RFC 5263: whether the dialog's last NOTIFY carried partial state. */
  | { readonly kind: 'partial-state'; readonly slot: number; readonly partial: boolean }
  /** The dialog ended (Expires: 0, NOTIFY terminated): out of the table and the store. */
  | { readonly kind: 'end-dialog'; readonly id: string };

export interface EffectTarget {
  readonly subscriptions: SubscriptionTracker | undefined;
  violation(spec: 'P7' | 'P8'): void;
}

/** Apply in order; a promise only when an effect reaches the store (a dialog ending). */
export function applyEffects(effects: readonly Effect[], target: EffectTarget): Promise<void> | undefined {
  const table: SubscriptionTable | undefined = target.subscriptions?.table;
  let stored: Promise<void> | undefined;
  for (const effect of effects) {
    switch (effect.kind) {
      case 'violation':
        target.violation(effect.spec);
        break;
      case 'notify-crossed':
        table?.set(effect.slot, 'notifyDigest', effect.digest);
        table?.set(effect.slot, 'notifiedAt', effect.at);
        break;
      case 'early-refreshes':
        table?.setEarlyRefreshes(effect.slot, effect.count);
        break;
      case 'dialog-set':
        table?.set(effect.slot, effect.field, effect.value);
        break;
      case 'partial-state':
        table?.setPartialState(effect.slot, effect.partial);
        break;
      case 'end-dialog': {
        const tracker = target.subscriptions;
        if (tracker === undefined) break;
        stored = stored === undefined ? tracker.remove(effect.id) : stored.then(() => tracker.remove(effect.id));
        break;
      }
    }
  }
  return stored;
}
