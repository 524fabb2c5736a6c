// P7 (003 §5.3.1): "a watcher MUST NOT gratuitously refresh the subscription more frequently than
// implied by the expiration time of the subscription unless necessary to communicate changes in
// subscription parameters, request a full state refresh after synchronization has been lost with
// partial notification state, or in response to explicit user activity". A re-SUBSCRIBE in a
// tracked dialog, with the parameters unchanged, is early when less than minRefreshIntervalPercent
// of the granted period has passed since the last refresh. Outbound (our watcher), it is answered
// here from the dialog state: 200 with the time the subscription really has left. Inbound (a peer's
// watcher), it is counted as a violation (effects.ts: the early count and a `violation`), let through earlyRefreshTolerance times in a row, then
// refused with 503 and Retry-After until the refresh would be on time; a failed refresh leaves the
// subscription valid until it expires (RFC 6665 §4.1.2.2). Expires: 0, changed parameters, a
// full-state request after partial NOTIFYs (RFC 5263) and a fresh SUBSCRIBE outside the dialog pass.

import type { PolicyContext } from '../policy-context.js';
import type { Effect } from '../effects.js';
import {
  absorb,
  defineRequestRule,
  pass,
  reply,
  withEffects,
  type RequestPhase,
  type RequestRule,
  type Verdict,
} from '../rule.js';
import { parametersDigest } from '../subscriptions/notify-digest.js';
import { trackedDialog } from '../subscriptions/tracked-dialog.js';
import { requestedExpires } from '../subscriptions/subscription-record.js';
import type { SubscriptionTable } from '../subscriptions/subscription-table.js';
import type { IncomingRequest } from '../../sip/incoming-message.js';

/** The earliest moment an unchanged refresh is on time (wall-clock ms). */
export function earliestRefresh(table: SubscriptionTable, slot: number, minRefreshIntervalPercent: number): number {
  const refreshedAt = table.get(slot, 'refreshedAt');
  return refreshedAt + ((table.get(slot, 'expiresAt') - refreshedAt) * minRefreshIntervalPercent) / 100;
}

function refreshDiscipline<P extends RequestPhase>(phase: P): RequestRule<P> {
  return defineRequestRule({
    id: 'P7',
    name: 'refresh-discipline',
    phase,
    methods: ['SUBSCRIBE'],
    async check(request, context) {
      if (requestedExpires(request) === 0) return pass();
      const dialog = await trackedDialog(request, context);
      if (dialog === undefined) return pass();
      const { tracker, slot, now } = dialog;
      const table = tracker.table;
      if (table.partialState(slot) || parametersDigest(request) !== table.get(slot, 'paramsDigest')) return pass();
      const earliest = earliestRefresh(table, slot, context.limits.minRefreshIntervalPercent);
      if (now >= earliest)
        return table.earlyRefreshes(slot) === 0
          ? pass()
          : withEffects(pass(), { kind: 'early-refreshes', slot, count: 0 });
      if (context.direction === 'outbound') return answerFromState(request, table.get(slot, 'expiresAt') - now);
      return refuseBeyondTolerance(table, slot, earliest - now, context);
    },
  });
}

/** RFC 6665 §4.2.1.1: a 200 to SUBSCRIBE carries the Expires granted and a Contact (the notifier's, the Request-URI). */
function answerFromState(request: IncomingRequest, remainingMs: number): Verdict {
  return absorb(200, undefined, [
    ['Expires', String(Math.max(1, Math.floor(remainingMs / 1000)))],
    ['Contact', `<${request.requestUriText}>`],
  ]);
}

const P7_VIOLATION: Effect = Object.freeze({ kind: 'violation', spec: 'P7' });

function refuseBeyondTolerance(
  table: SubscriptionTable,
  slot: number,
  waitMs: number,
  context: PolicyContext,
): Verdict {
  const early = table.earlyRefreshes(slot) + 1;
  const verdict =
    early <= context.limits.earlyRefreshTolerance
      ? pass()
      : reply(503, 'Subscription Refreshed Too Soon', [
          ['Retry-After', String(Math.ceil(waitMs / 1000))],
          ['Warning', `399 simple-edge "P7 re-SUBSCRIBE sooner than the subscription's expiration implies"`],
        ]);
  return withEffects(verdict, { kind: 'early-refreshes', slot, count: early }, P7_VIOLATION);
}

export const inboundRefreshDiscipline = refreshDiscipline('inbound-request');
export const outboundRefreshDiscipline = refreshDiscipline('outbound-request');
