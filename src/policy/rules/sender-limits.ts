// Y1 with X2 (003 §10.2: "take into account factors such as the calling party's User Trust Level"):
// the per-sender limits are what a non-trusted sender gets, and a sender is non-trusted unless its
// peer asserts trust levels and vouches for it. A trusted sender gets TRUSTED_SENDER_FACTOR times the
// per-sender rate and distinct-recipient cap. The configured figures are thus the ones in force for
// every sender by default (docs/POLICY.md, X2).

import type { IncomingRequest } from '../../sip/incoming-message.js';
import type { PolicyContext } from '../policy-context.js';
import type { RateLimit } from '../policy-limits.js';
import { isTrustedSender } from './trust-level.js';

export const TRUSTED_SENDER_FACTOR = 2;

export interface SenderLimits {
  readonly rate: RateLimit;
  readonly maxDistinctRecipients: number;
}

export function senderLimits(request: IncomingRequest, context: PolicyContext): SenderLimits {
  const { perSender, maxDistinctRecipientsPerSender } = context.limits;
  if (!isTrustedSender(request, context))
    return { rate: perSender, maxDistinctRecipients: maxDistinctRecipientsPerSender };
  return {
    rate: {
      capacity: perSender.capacity * TRUSTED_SENDER_FACTOR,
      refillPerSecond: perSender.refillPerSecond * TRUSTED_SENDER_FACTOR,
    },
    maxDistinctRecipients: maxDistinctRecipientsPerSender * TRUSTED_SENDER_FACTOR,
  };
}
