// Y1 (003 §10.2): token buckets on every new request from a peer (out of dialog: requests inside a
// dialog the recipient accepted are not unsolicited), per sender (From address-of-record), per local
// recipient (Request-URI) and per peer community. The sender's bucket is taken first, so one flooding
// sender is stopped before it drains its community's share. A peer whose failures look like
// harvesting (peer-outcomes.ts) gets the suspiciousPeer trickle, then nothing until its window ends.
// Discovered peers arrive here with the stricter policy.discovered limits already in context.limits.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { andThen } from '../../state/awaitable.js';
import type { Awaitable, TokenBucket } from '../../state/state-store.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import { defineRequestRule, pass, type InboundRequestRule, type Verdict } from '../rule.js';
import { storeKey, type KeyKind } from '../../state/store-keys.js';
import { overLimitAnswer } from './over-limit-answer.js';
import { peerStanding } from './peer-outcomes.js';
import { senderLimits } from './sender-limits.js';

function take(
  context: PolicyContext,
  kind: KeyKind,
  part: string,
  bucket: TokenBucket,
  reason: string,
): Awaitable<Verdict> {
  return andThen(context.store.takeToken(storeKey(kind, part), bucket), (taken) =>
    taken.allowed ? pass() : overLimitAnswer(context.limits, reason),
  );
}

function bucketRule(
  name: string,
  check: (request: IncomingRequest, context: PolicyContext) => Awaitable<Verdict>,
): InboundRequestRule {
  return defineRequestRule({
    id: 'Y1',
    name,
    phase: 'inbound-request',
    check: (request, context) => (isOutOfDialog(request) ? check(request, context) : pass()),
  });
}

export const senderRateLimit = bucketRule('sender-rate-limit', (request, context) =>
  take(
    context,
    'senderRate',
    context.addresses.sender(request),
    senderLimits(request, context).rate,
    'Sender Rate Exceeded',
  ),
);

export const recipientRateLimit = bucketRule('recipient-rate-limit', (request, context) =>
  take(
    context,
    'recipientRate',
    context.addresses.target(request),
    context.limits.perRecipient,
    'Recipient Rate Exceeded',
  ),
);

export const peerRateLimit = bucketRule('peer-rate-limit', (_request, context) =>
  andThen(peerStanding(context), (standing) => {
    if (standing.kind === 'cut-off') {
      const secondsLeft = (standing.untilMs - context.now()) / 1000;
      return overLimitAnswer(
        context.limits,
        'Peer Blocked For Failed Requests',
        Math.max(context.limits.retryAfterSeconds, secondsLeft),
      );
    }
    if (standing.kind === 'suspicious') {
      return take(context, 'suspiciousPeerRate', context.peer, context.limits.suspiciousPeer, 'Peer Rate Exceeded');
    }
    return take(context, 'peerRate', context.peer, context.limits.perPeer, 'Peer Rate Exceeded');
  }),
);
