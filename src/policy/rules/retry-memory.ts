// P2 (003 §5.1, §6.2): after a 4xx to a SUBSCRIBE or MESSAGE, automatic retries of the same request
// within retryWindowSeconds are answered at the border with the same final response, in both
// directions, so a misbehaving client cannot keep the inter-domain link busy with requests that will
// fail again. "The same request" (docs/POLICY.md, P2): same method, sender and target addresses-of-
// record, Event, Content-Type and body. Call-ID and CSeq are left out: stacks retry with new ones; a
// user action (a new message, another event package) changes the content and gets through.

import { fromByteString } from '../../sip/byte-string.js';
import type { IncomingRequest } from '../../sip/incoming-message.js';
import { isOutOfDialog, senderAddress, targetAddress } from '../address-of-record.js';
import { defineRequestRule, defineResponseRule, pass, reply, type RequestRule } from '../rule.js';
import { sha256, storeKey } from '../store-keys.js';

const METHODS = ['SUBSCRIBE', 'MESSAGE'];

/**
 * 4xx answers that ask for a changed retry (credentials, a longer Expires, a Referred-By, a later
 * attempt, a security agreement): remembering them would refuse the very retry they ask for. 408 is
 * a timeout, not an answer about the request.
 */
export const CHANGED_RETRY_STATUSES: ReadonlySet<number> = new Set([401, 407, 408, 421, 422, 423, 429, 491, 494]);

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

export function retryKey(request: IncomingRequest): string {
  const normalised = (name: string) => (request.headers.get(name) ?? '').replace(/\s+/g, ' ').trim().toLowerCase();
  return storeKey('retry', sha256(request.method, senderAddress(request), targetAddress(request), normalised('event'), normalised('content-type'), request.body));
}

function retryAnswer(phase: RequestRule['phase']): RequestRule {
  return defineRequestRule({
    id: 'P2',
    name: 'retry-memory',
    phase,
    methods: METHODS,
    async check(request, context) {
      if (!isOutOfDialog(request)) return pass();
      const remembered = await context.store.get<RememberedAnswer>(retryKey(request));
      if (remembered === undefined) return pass();
      return reply(remembered.status, remembered.reason === '' ? undefined : remembered.reason, [['Warning', REPLAY_WARNING]]);
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
  async check(request, response, context) {
    const { status } = response;
    if (status < 400 || status >= 500 || CHANGED_RETRY_STATUSES.has(status) || !isOutOfDialog(request)) return pass();
    const record: RememberedAnswer = {
      method: request.method, sender: senderAddress(request), target: targetAddress(request),
      status, reason: fromByteString(response.reason).slice(0, 128), storedAt: context.now(),
    };
    await context.store.set(retryKey(request), record, { ttlMs: context.limits.retryWindowSeconds * 1000 });
    return pass();
  },
});
