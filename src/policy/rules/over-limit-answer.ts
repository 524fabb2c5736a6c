// Y1 (003 §10.2): how a request over one of its limits is answered, as configured
// (policy.limits.overLimitStatus): 503 with Retry-After, so a well-behaved peer slows down, or 403.
// The reason phrase names the limit, so the peer's operator can tell which one it hit.

import type { PolicyLimits } from '../policy-limits.js';
import { reply, type Verdict } from '../rule.js';

export function overLimitAnswer(
  limits: PolicyLimits,
  reason: string,
  retryAfterSeconds = limits.retryAfterSeconds,
): Verdict {
  if (limits.overLimitStatus === 403) return reply(403, reason, []);
  return reply(503, reason, [['Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds)))]]);
}
