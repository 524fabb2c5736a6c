// X2 (003 §9.2, §10.2): a user's trust level crosses the border in one header (policy.trustHeader).
// Outbound the community's value is kept when it is one this profile defines (TRUST_LEVELS) and
// stripped otherwise (the built-in user directory, I2, sets it). Inbound it is kept
// only from a peer whose agreement says it asserts trust levels (agreements[].assertsTrust); from any
// other peer it is removed. Absent means non-trusted, and non-trusted senders get the stricter
// per-sender limits (Y1, rate-limits.ts).

import type { IncomingRequest } from '../../sip/incoming-message.js';
import type { PolicyContext } from '../policy-context.js';
import { defineRequestRule, edit, pass, type Verdict } from '../rule.js';

/** The values the trust header may carry, compared without regard to case. */
export const TRUST_LEVELS: ReadonlySet<string> = new Set(['trusted', 'untrusted']);

type TrustValue = 'absent' | 'invalid' | 'trusted' | 'untrusted';

/** One header line with one known value; several lines or an unknown value are invalid. */
function trustValue(request: IncomingRequest, header: string): TrustValue {
  const values = request.headers.getAll(header);
  if (values.length === 0) return 'absent';
  const value = values[0]!.trim().toLowerCase();
  return values.length === 1 && TRUST_LEVELS.has(value) ? (value as TrustValue) : 'invalid';
}

/** X2: an inbound sender is trusted only when its peer asserts trust and the header says so. */
export function isTrustedSender(request: IncomingRequest, context: PolicyContext): boolean {
  return (
    context.direction === 'inbound' &&
    context.limits.peerAssertsTrust &&
    trustValue(request, context.community.trustHeader) === 'trusted'
  );
}

function strip(context: PolicyContext): Verdict {
  return edit({ op: 'remove', name: context.community.trustHeader });
}

export const inboundTrustLevel = defineRequestRule({
  id: 'X2',
  name: 'trust-level',
  phase: 'inbound-request',
  check(request, context) {
    const value = trustValue(request, context.community.trustHeader);
    if (value === 'absent') return pass();
    return context.limits.peerAssertsTrust && value !== 'invalid' ? pass() : strip(context);
  },
});

export const outboundTrustLevel = defineRequestRule({
  id: 'X2',
  name: 'trust-level',
  phase: 'outbound-request',
  check(request, context) {
    return trustValue(request, context.community.trustHeader) === 'invalid' ? strip(context) : pass();
  },
});
