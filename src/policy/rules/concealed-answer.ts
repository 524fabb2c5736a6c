// Y3, M1, P1 (003 §10.4, §5.1, §6.2): in confidential mode the edge never reveals whether an address
// exists. Whatever would have said "no such address" (404, 403 barred, 604, a tombstone) is answered
// the way a live address is: MESSAGE 200 and the message discarded, SUBSCRIBE 200 with Expires (the
// NOTIFY with closed status is the presence server's, I2), anything else 480, which a live
// but unreachable user gets too.

import type { IncomingRequest } from '../../sip/incoming-message.js';
import { parseExpires } from '../../sip/delta-seconds.js';
import type { PolicyLimits } from '../policy-limits.js';
import { absorb, reply, type Verdict } from '../rule.js';
import { DEFAULT_PRESENCE_EXPIRES_S } from './subscription-expires.js';

export function concealedAnswer(request: IncomingRequest, limits: PolicyLimits): Verdict {
  if (request.method === 'MESSAGE') return absorb(200);
  if (request.method === 'SUBSCRIBE') return absorb(200, undefined, subscriptionAcceptedHeaders(request, limits));
  return reply(480);
}

/**
 * What a 200 to SUBSCRIBE carries (RFC 6665 §4.2.1.1, RFC 3261 §12.1.1): the granted Expires, a
 * Contact (the Request-URI, which leads back to this edge), and the request's Record-Route.
 */
function subscriptionAcceptedHeaders(request: IncomingRequest, limits: PolicyLimits): Array<[string, string]> {
  const granted = Math.min(requestedExpires(request), limits.maxSubscriptionExpiresSeconds);
  return [
    ['Expires', String(granted)],
    ['Contact', `<${request.requestUriText}>`],
    ...request.headers.getAll('record-route').map((value): [string, string] => ['Record-Route', value]),
  ];
}

function requestedExpires(request: IncomingRequest): number {
  const header = request.headers.get('expires');
  if (header === undefined) return DEFAULT_PRESENCE_EXPIRES_S;
  try {
    return parseExpires(header);
  } catch {
    return DEFAULT_PRESENCE_EXPIRES_S;
  }
}
