// The two requests the edge sends in a subscription dialog on its own account, built from the
// stored dialog: a NOTIFY with Subscription-State terminated to the watcher, as if from the notifier
// (RFC 6665 §4.1.3: reason=deactivated asks it to re-subscribe at once, P9; reason=noresource tells
// it the presentity is gone, X3), and a SUBSCRIBE with Expires: 0 to the notifier, as if from the
// watcher (§4.1.2.3: the unsubscription). Each continues its sender's CSeq (RFC 3261 §12.2.1.1).

import type { InDialogRequest } from './subscription-actions.js';
import type { SubscriptionRecord } from './subscription-record.js';

export type TerminationReason = 'deactivated' | 'noresource';

/** A start for a CSeq the edge never saw (the notifier's first NOTIFY raced its 2xx): above any sane stack's. */
const UNSEEN_CSEQ_START = 1_000_000;

export function terminatingNotify(record: SubscriptionRecord, reason: TerminationReason): InDialogRequest {
  return {
    method: 'NOTIFY',
    recipient: 'watcher',
    side: record.direction === 'outbound' ? 'internal' : 'external',
    peer: record.peer,
    requestUri: record.watcherContact,
    recordRoute: record.recordRoute,
    from: record.notifier,
    to: record.watcher,
    callId: record.callId,
    cseq: nextCSeq(record.notifierCSeq),
    headers: [
      ['Event', record.event],
      ['Subscription-State', `terminated;reason=${reason}`],
      ['Contact', `<${record.notifierContact}>`],
    ],
  };
}

export function unsubscribe(record: SubscriptionRecord): InDialogRequest {
  return {
    method: 'SUBSCRIBE',
    recipient: 'notifier',
    side: record.direction === 'outbound' ? 'external' : 'internal',
    peer: record.peer,
    requestUri: record.notifierContact,
    recordRoute: record.recordRoute,
    from: record.watcher,
    to: record.notifier,
    callId: record.callId,
    cseq: nextCSeq(record.watcherCSeq),
    headers: [
      ['Event', record.event],
      ['Expires', '0'],
      ['Contact', `<${record.watcherContact}>`],
    ],
  };
}

function nextCSeq(seen: number): number {
  return seen > 0 ? seen + 1 : UNSEEN_CSEQ_START;
}
