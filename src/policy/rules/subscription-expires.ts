// P6 (003 §5.3.1): an inbound SUBSCRIBE asking for a shorter subscription than policy allows gets
// 423 Interval Too Brief with Min-Expires (RFC 6665 §4.2.1.1); one asking for more than the maximum
// is lowered on the way in, and the 2xx is clamped on the way back, so the granted Expires holds.

import { parseExpires } from '../../sip/delta-seconds.js';
import { defineRequestRule, defineResponseRule, edit, pass, reply } from '../rule.js';

/** RFC 3856 §6.4: a presence SUBSCRIBE without Expires asks for one hour. */
export const DEFAULT_PRESENCE_EXPIRES_S = 3600;

export const subscriptionMinExpires = defineRequestRule({
  id: 'P6',
  name: 'subscription-min-expires',
  phase: 'inbound-request',
  methods: ['SUBSCRIBE'],
  check(request, context) {
    const header = request.headers.get('expires');
    const expires = header === undefined ? DEFAULT_PRESENCE_EXPIRES_S : parseExpires(header);
    const { minSubscriptionExpiresSeconds: min, maxSubscriptionExpiresSeconds: max } = context.limits;
    // Expires: 0 ends a subscription (RFC 6665 §4.1.2.3); it is never too brief.
    if (expires !== 0 && expires < min) return reply(423, 'Interval Too Brief', [['Min-Expires', String(min)]]);
    if (expires > max) return edit({ op: 'set', name: 'Expires', value: String(max) });
    return pass();
  },
});

export const subscriptionMaxExpires = defineResponseRule({
  id: 'P6',
  name: 'subscription-max-expires',
  phase: 'response',
  methods: ['SUBSCRIBE'],
  check(_request, response, context) {
    const header = response.headers.get('expires');
    if (response.status >= 300 || header === undefined) return pass();
    const max = context.limits.maxSubscriptionExpiresSeconds;
    return parseExpires(header) > max ? edit({ op: 'set', name: 'Expires', value: String(max) }) : pass();
  },
});
