// The bookkeeping behind P7, P8, P9 and X3: which subscription dialogs cross the border, and how
// long each lives. A 2xx to a SUBSCRIBE creates one (RFC 6665 §4.1.2.1) or starts a new period
// (§4.1.2.2); it ends with Expires: 0 (§4.1.2.3), a NOTIFY with Subscription-State: terminated
// (§4.1.3), a 481 to either method, or expiry (the tracker's sweep). The request half also notes
// the CSeq numbers each end has used, so the edge can later speak in the dialog itself (P9, X3): the
// request half returns those notes as effects (effects.ts), applied before the next rule reads them.
// Both halves always pass; their name is the one switch that turns dialog tracking off.

import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import type { Effect } from '../effects.js';
import {
  defineRequestRule,
  defineResponseRule,
  pass,
  withEffects,
  type RequestPhase,
  type RequestRule,
  type Verdict,
} from '../rule.js';
import { parametersDigest, subscriptionStateOf } from '../subscriptions/notify-digest.js';
import { contactUri } from '../../sip/contact-uri.js';
import { grantedSeconds, recordFromResponse, requestedExpires } from '../subscriptions/subscription-record.js';
import type { SubscriptionTable } from '../subscriptions/subscription-table.js';
import type { SubscriptionTracker } from '../subscriptions/subscription-tracker.js';
import { trackedDialog } from '../subscriptions/tracked-dialog.js';
import type { IncomingRequest, IncomingResponse } from '../../sip/incoming-message.js';

const NAME = 'subscription-dialogs';
// The bookkeeping serves P7, P8 and X3 too; P9 (contact accuracy) is what it exists for first.
const ID = 'P9';
const PARTIAL_PIDF = /^\s*application\/pidf-diff\+xml\b/i;

function trackDialogRequests<P extends RequestPhase>(phase: P): RequestRule<P> {
  return defineRequestRule({
    id: ID,
    name: NAME,
    phase,
    methods: ['SUBSCRIBE', 'NOTIFY'],
    async check(request, context) {
      const dialog = await trackedDialog(request, context);
      if (dialog === undefined) return pass();
      const { tracker, id, slot, now } = dialog;
      return request.method === 'SUBSCRIBE'
        ? noteSubscribe(tracker.table, id, slot, request)
        : noteNotify(tracker.table, id, slot, request, now);
    },
  });
}

function noteSubscribe(table: SubscriptionTable, id: string, slot: number, request: IncomingRequest): Verdict {
  const cseq = Math.max(table.get(slot, 'watcherCSeq'), request.cseq.seq);
  const noted: Effect = { kind: 'dialog-set', slot, field: 'watcherCSeq', value: cseq };
  return requestedExpires(request) === 0
    ? withEffects(pass(), noted, { kind: 'end-dialog', id })
    : withEffects(pass(), noted);
}

function noteNotify(
  table: SubscriptionTable,
  id: string,
  slot: number,
  request: IncomingRequest,
  now: number,
): Verdict {
  const cseq = Math.max(table.get(slot, 'notifierCSeq'), request.cseq.seq);
  const noted: Effect = { kind: 'dialog-set', slot, field: 'notifierCSeq', value: cseq };
  const state = subscriptionStateOf(request);
  if (state?.state === 'terminated') return withEffects(pass(), noted, { kind: 'end-dialog', id });
  const partial: Effect = {
    kind: 'partial-state',
    slot,
    partial: PARTIAL_PIDF.test(request.headers.get('content-type') ?? ''),
  };
  if (state?.expires === undefined) return withEffects(pass(), noted, partial);
  // RFC 6665 §4.2.2: the notifier may shorten the subscription in any NOTIFY.
  const expiresAt = Math.min(table.get(slot, 'expiresAt'), now + state.expires * 1000);
  return withEffects(pass(), noted, { kind: 'dialog-set', slot, field: 'expiresAt', value: expiresAt }, partial);
}

export const trackInboundDialogRequests = trackDialogRequests('inbound-request');
export const trackOutboundDialogRequests = trackDialogRequests('outbound-request');

export const trackSubscriptionResponses = defineResponseRule({
  id: ID,
  name: NAME,
  phase: 'response',
  methods: ['SUBSCRIBE', 'NOTIFY'],
  async check(request, response, context) {
    const tracker = context.subscriptions;
    if (tracker === undefined) return pass();
    if (response.status === 481) {
      const id = tracker.dialogOf(request);
      if (id !== undefined) await tracker.remove(id);
    } else if (request.method === 'SUBSCRIBE' && response.status >= 200 && response.status < 300) {
      await (isOutOfDialog(request)
        ? created(tracker, request, response, context)
        : refreshed(tracker, request, response, context));
    }
    return pass();
  },
});

async function created(
  tracker: SubscriptionTracker,
  subscribe: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
): Promise<void> {
  const record = recordFromResponse(subscribe, response, context);
  if (record !== undefined) await tracker.create(record, context.now());
}

async function refreshed(
  tracker: SubscriptionTracker,
  subscribe: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
): Promise<void> {
  const id = tracker.dialogOf(subscribe);
  if (id === undefined) return;
  const granted = grantedSeconds(subscribe, response, context.limits.maxSubscriptionExpiresSeconds);
  if (granted === 0) return tracker.remove(id);
  const now = context.now();
  const notifierContact = contactUri(response);
  await tracker.refresh(
    id,
    {
      refreshedAt: now,
      expiresAt: now + granted * 1000,
      paramsDigest: parametersDigest(subscribe),
      watcherCSeq: subscribe.cseq.seq,
      ...(notifierContact === undefined ? {} : { notifierContact }),
    },
    now,
  );
}
