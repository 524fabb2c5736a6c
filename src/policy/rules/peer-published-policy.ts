// G2 (003 §9.4): once a peer's policy document is known, outbound traffic keeps within it instead of
// learning its limits from refusals. A new SUBSCRIBE asking for less than the peer's minimum is
// raised to it (no 423 round trip), and for more than its maximum lowered; requests beyond the rates
// the peer accepts wait here (503 with Retry-After to our own user agent) rather than crossing to be
// refused there. The NOTIFY interval is applied by P8 through the context's limits (border-policy.ts).

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import { defineRequestRule, edit, pass, reply, type Verdict } from '../rule.js';
import { boundedPart, storeKey } from '../../state/store-keys.js';

/** RFC 3856 §6.4: a SUBSCRIBE for presence without Expires asks for 3600 seconds. */
const DEFAULT_PRESENCE_EXPIRES_S = 3600;

export const peerSubscriptionExpires = defineRequestRule({
  id: 'G2',
  name: 'peer-subscription-expires',
  phase: 'outbound-request',
  methods: ['SUBSCRIBE'],
  check(request, context) {
    const published = context.peerPolicy?.subscription;
    if (published === undefined) return pass();
    const header = request.headers.get('expires');
    const asked = header === undefined ? DEFAULT_PRESENCE_EXPIRES_S : Number.parseInt(header, 10);
    if (!Number.isFinite(asked) || asked === 0) return pass(); // an un-SUBSCRIBE is never lengthened
    const granted = Math.min(Math.max(asked, published.minExpiresSeconds), published.maxExpiresSeconds);
    return granted === asked ? pass() : edit({ op: 'set', name: 'Expires', value: String(granted) });
  },
});

export const peerPublishedRate = defineRequestRule({
  id: 'G2',
  name: 'peer-published-rate',
  phase: 'outbound-request',
  check: (request, context) =>
    context.peerPolicy === undefined || !isOutOfDialog(request) ? pass() : takePublished(request, context),
});

async function takePublished(request: IncomingRequest, context: PolicyContext): Promise<Verdict> {
  const rates = context.peerPolicy!.rates;
  const sender = await context.store.takeToken(
    storeKey('publishedSenderRate', boundedPart(`${context.peer} ${context.addresses.sender(request)}`)),
    rates.perSender,
  );
  if (!sender.allowed) return waitHere(context, sender.retryAfterMs, `${rates.perSender.refillPerSecond}/s per sender`);
  const peer = await context.store.takeToken(storeKey('publishedPeerRate', context.peer), rates.perPeer);
  if (!peer.allowed)
    return waitHere(context, peer.retryAfterMs, `${rates.perPeer.refillPerSecond}/s from this community`);
  return pass();
}

function waitHere(context: PolicyContext, retryAfterMs: number, limit: string): Verdict {
  return reply(503, 'Peer Rate Published', [
    ['Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000)))],
    ['Warning', `399 simple-edge "G2 ${context.peer} publishes a limit of ${limit}"`],
  ]);
}
