// P8 (003 §5.3.2): "data refreshes within the same SUBSCRIBE dialog MUST NOT occur more frequently
// than every 10 minutes", absent an agreement (notifyIntervalSeconds, G1), while changes of state
// always go through. Within a tracked dialog a NOTIFY whose state (notify-digest.ts) equals that of
// the last NOTIFY that crossed is let across once the interval since that one has passed; a changed
// or terminating NOTIFY crosses at once (and becomes the last that crossed: a `notify-crossed` effect).
// Outbound excess (our presence server's) is answered 200 here and not sent. Inbound excess (a peer's)
// is counted as a violation (a `violation` effect) and refused with 503 and a
// Retry-After: RFC 3265 §3.2.2 does not count a non-2xx with Retry-After as a failed NOTIFY, so the
// peer's notifier keeps the subscription, where a 403 would make it drop the watcher (RFC 6665 §4.2.2).

import type { Effect } from '../effects.js';
import { absorb, defineRequestRule, pass, reply, withEffects, type RequestPhase, type RequestRule } from '../rule.js';
import { notifyDigest, subscriptionStateOf } from '../subscriptions/notify-digest.js';
import type { SubscriptionTable } from '../subscriptions/subscription-table.js';
import { trackedDialog } from '../subscriptions/tracked-dialog.js';

/** Whether a NOTIFY with this state digest may cross now: 0 if it may, else the milliseconds until an unchanged one may. */
export function notifyWait(
  table: SubscriptionTable,
  slot: number,
  digest: number,
  now: number,
  intervalMs: number,
): number {
  const waitMs = table.get(slot, 'notifiedAt') + intervalMs - now;
  return digest === table.get(slot, 'notifyDigest') && waitMs > 0 ? waitMs : 0;
}

const P8_VIOLATION: Effect = Object.freeze({ kind: 'violation', spec: 'P8' });

function notifyRate<P extends RequestPhase>(phase: P): RequestRule<P> {
  return defineRequestRule({
    id: 'P8',
    name: 'notify-rate',
    phase,
    methods: ['NOTIFY'],
    async check(request, context) {
      const dialog = await trackedDialog(request, context);
      const state = subscriptionStateOf(request);
      if (dialog === undefined || state?.state === 'terminated') return pass();
      const { tracker, slot, now } = dialog;
      const intervalS = context.limits.notifyIntervalSeconds;
      const digest = notifyDigest(request, state);
      const waitMs = notifyWait(tracker.table, slot, digest, now, intervalS * 1000);
      if (waitMs === 0) return withEffects(pass(), { kind: 'notify-crossed', slot, digest, at: now });
      if (context.direction === 'outbound') return absorb(200);
      return withEffects(
        reply(503, 'Unchanged NOTIFY Too Soon', [
          ['Retry-After', String(Math.ceil(waitMs / 1000))],
          ['Warning', `399 simple-edge "P8 unchanged NOTIFY: at most one per ${intervalS} s in a subscription"`],
        ]),
        P8_VIOLATION,
      );
    },
  });
}

export const inboundNotifyRate = notifyRate('inbound-request');
export const outboundNotifyRate = notifyRate('outbound-request');
