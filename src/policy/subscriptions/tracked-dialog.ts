// What the subscription rules (P7, P8 and the dialog bookkeeping) start from: the tracked dialog an
// in-dialog SUBSCRIBE or NOTIFY belongs to, found in the dialog table (or, after a restart, the store).

import type { IncomingRequest } from '../../sip/incoming-message.js';
import type { PolicyContext } from '../policy-context.js';
import type { SubscriptionTracker } from './subscription-tracker.js';

export interface TrackedDialog {
  readonly tracker: SubscriptionTracker;
  readonly id: string;
  /** The dialog's slot in the tracker's table. */
  readonly slot: number;
  /** Wall-clock milliseconds the decision is made at. */
  readonly now: number;
}

/** The request's tracked dialog; undefined when the edge tracks none for it (or runs no tracker). */
export async function trackedDialog(
  request: IncomingRequest,
  context: PolicyContext,
): Promise<TrackedDialog | undefined> {
  const tracker = context.subscriptions;
  const id = tracker?.dialogOf(request);
  if (tracker === undefined || id === undefined) return undefined;
  const now = context.now();
  const found = tracker.slotFor(id, now);
  const slot = typeof found === 'number' ? found : await found; // the table first: no promise on the common path
  return slot < 0 ? undefined : { tracker, id, slot, now };
}
