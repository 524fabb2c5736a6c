// The chains, read top to bottom like Kamailio's request_route: each rule passes, edits, or answers
// and stops the chain. Cheap checks on the message itself come first, then checks that read the
// store, then the rate limits, so a request answered earlier spends no tokens. The response chain
// learns first (604s, outcomes), then may replace the answer (confidential mode), then remembers
// what was really sent (P2), edits it (P6) and, last, notes the subscription dialogs it creates,
// refreshes or ends (P7-P9, X3). In-dialog SUBSCRIBE and NOTIFY meet the dialog bookkeeping first,
// then the refresh discipline (P7) and the NOTIFY rate (P8). docs/POLICY.md describes every rule.

import type { InboundRequestRule, OutboundRequestRule, ResponseRule } from './rule.js';
import { cached604, learn604 } from './rules/cache-604.js';
import { confidentialAnswers } from './rules/confidential-answers.js';
import { peerRecipientCap, senderRecipientCap } from './rules/distinct-recipients.js';
import { messageSize } from './rules/message-size.js';
import { noPresenceAddress } from './rules/no-presence-address.js';
import { inboundNotifyRate, outboundNotifyRate } from './rules/notify-rate.js';
import { peerOutcomes } from './rules/peer-outcomes.js';
import { peerPublishedRate, peerSubscriptionExpires } from './rules/peer-published-policy.js';
import { pidfBody, presenceAccept } from './rules/presence-format.js';
import { peerRateLimit, recipientRateLimit, senderRateLimit } from './rules/rate-limits.js';
import { recordRouteLength } from './rules/record-route-length.js';
import { inboundRefreshDiscipline, outboundRefreshDiscipline } from './rules/refresh-discipline.js';
import { inboundRetryAnswer, outboundRetryAnswer, rememberRetryAnswer } from './rules/retry-memory.js';
import {
  trackInboundDialogRequests,
  trackOutboundDialogRequests,
  trackSubscriptionResponses,
} from './rules/subscription-dialogs.js';
import { subscriptionMaxExpires, subscriptionMinExpires } from './rules/subscription-expires.js';
import { tombstonedAddress } from './rules/tombstone.js';
import { inboundTrustLevel, outboundTrustLevel } from './rules/trust-level.js';

export interface PolicyChains {
  readonly inboundRequest: readonly InboundRequestRule[];
  readonly outboundRequest: readonly OutboundRequestRule[];
  readonly response: readonly ResponseRule[];
}

export const DEFAULT_CHAINS: PolicyChains = {
  inboundRequest: [
    // The message itself.
    messageSize,
    recordRouteLength,
    subscriptionMinExpires,
    inboundTrustLevel,
    presenceAccept,
    pidfBody,
    noPresenceAddress,
    // Subscription dialogs: bookkeeping, then the pace a peer's watchers and notifiers keep.
    trackInboundDialogRequests,
    inboundRefreshDiscipline,
    inboundNotifyRate,
    // The store: what is known about the target and this very request.
    tombstonedAddress,
    inboundRetryAnswer,
    // Rate limits and harvesting caps.
    senderRateLimit,
    recipientRateLimit,
    peerRateLimit,
    senderRecipientCap,
    peerRecipientCap,
  ],
  outboundRequest: [
    outboundTrustLevel,
    trackOutboundDialogRequests,
    outboundRefreshDiscipline,
    outboundNotifyRate,
    cached604,
    outboundRetryAnswer,
    // G2: within what the peer publishes, once its policy document is known.
    peerSubscriptionExpires,
    peerPublishedRate,
  ],
  response: [
    learn604,
    peerOutcomes,
    confidentialAnswers,
    rememberRetryAnswer,
    subscriptionMaxExpires,
    trackSubscriptionResponses,
  ],
};
