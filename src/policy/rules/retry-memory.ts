// P2 (003 §5.1, §6.2): after a 4xx to a SUBSCRIBE or MESSAGE, automatic retries of the same request
// within retryWindowSeconds are answered at the border with the same final response, in both
// directions, so a misbehaving client cannot keep the inter-domain link busy with requests that will
// fail again. "The same request" (docs/POLICY.md, P2): same method, sender and target addresses-of-
// record, Event, Content-Type and body. Call-ID and CSeq are left out: stacks retry with new ones; a
// user action (a new message, another event package) changes the content and gets through.
// Working out that digest is the costliest step of the whole chain, so a second record marks the
// senders that have any remembered answer, and only their requests are digested and looked up.

import { fromByteString } from '../../sip/byte-string.js';
import type { IncomingRequest, IncomingResponse } from '../../sip/incoming-message.js';
import { andThen } from '../../state/awaitable.js';
import type { Awaitable } from '../../state/state-store.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import {
  defineRequestRule,
  defineResponseRule,
  pass,
  reply,
  type RequestPhase,
  type RequestRule,
  type Verdict,
} from '../rule.js';
import { sha256, storeKey } from '../../state/store-keys.js';

const METHODS = ['SUBSCRIBE', 'MESSAGE'];

/**
 * 4xx answers that ask for a changed retry (credentials, a longer Expires, a Referred-By, a later
 * attempt, a security agreement): remembering them would refuse the very retry they ask for. 408 is
 * a timeout, not an answer about the request; 430 Flow Failed (RFC 5626 §5.3, I6) is about one
 * client connection, and the client's next REGISTER makes the same request deliverable again.
 */
export const CHANGED_RETRY_STATUSES: ReadonlySet<number> = new Set([401, 407, 408, 421, 422, 423, 429, 430, 491, 494]);

const REPLAY_WARNING = '399 simple-edge "P2 repeated request answered at the border"';

/** What a retry record holds (key `retry:<sha256>`); sender and target let the admin API show it. */
export interface RememberedAnswer {
  readonly method: string;
  readonly sender: string;
  readonly target: string;
  readonly status: number;
  /** The reason phrase as text (UTF-8 decoded), replayed as it came. */
  readonly reason: string;
  readonly storedAt: number;
}

export function retryKey(request: IncomingRequest, context: PolicyContext): string {
  const normalised = (name: string) => (request.headers.get(name) ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
  return storeKey(
    'retry',
    sha256(
      request.method,
      context.addresses.sender(request),
      context.addresses.target(request),
      normalised('event'),
      normalised('content-type'),
      request.body,
    ),
  );
}

/** The marker of a sender with remembered answers: expires with the last record written for it. */
function senderMarkerKey(request: IncomingRequest, context: PolicyContext): string {
  return storeKey('retrySender', context.addresses.sender(request));
}

function replay(request: IncomingRequest, context: PolicyContext): Awaitable<Verdict> {
  return andThen(context.store.get<RememberedAnswer>(retryKey(request, context)), (remembered) => {
    if (remembered === undefined) return pass();
    return reply(remembered.status, remembered.reason === '' ? undefined : remembered.reason, [
      ['Warning', REPLAY_WARNING],
    ]);
  });
}

function retryAnswer<P extends RequestPhase>(phase: P): RequestRule<P> {
  return defineRequestRule({
    id: 'P2',
    name: 'retry-memory',
    phase,
    methods: METHODS,
    check(request, context) {
      if (!isOutOfDialog(request)) return pass();
      return andThen(context.store.get<true>(senderMarkerKey(request, context)), (marked) =>
        marked === undefined ? pass() : replay(request, context),
      );
    },
  });
}

export const inboundRetryAnswer = retryAnswer('inbound-request');
export const outboundRetryAnswer = retryAnswer('outbound-request');

export const rememberRetryAnswer = defineResponseRule({
  id: 'P2',
  name: 'retry-memory',
  phase: 'response',
  methods: METHODS,
  check(request, response, context) {
    const { status } = response;
    if (status < 400 || status >= 500 || CHANGED_RETRY_STATUSES.has(status) || !isOutOfDialog(request)) return pass();
    return remember(request, response, context);
  },
});

async function remember(
  request: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
): Promise<Verdict> {
  const record: RememberedAnswer = {
    method: request.method,
    sender: context.addresses.sender(request),
    target: context.addresses.target(request),
    status: response.status,
    reason: fromByteString(response.reason).slice(0, 128),
    storedAt: context.now(),
  };
  const ttl = { ttlMs: context.limits.retryWindowSeconds * 1000 };
  // The record first: a marker without its record costs a look-up, a record without its marker would be missed.
  await context.store.set(retryKey(request, context), record, ttl);
  await context.store.set(senderMarkerKey(request, context), true, ttl);
  return pass();
}
