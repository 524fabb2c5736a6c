// The Expires a SUBSCRIBE or PUBLISH asks the built-in presence server for (RFC 6665 §4.2.1.1,
// RFC 3903 §4.1): the header's value, the configured default when there is none, and what is granted
// once the configured maximum is applied.

import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseExpires } from '../sip/delta-seconds.js';

export interface ExpiresBounds {
  readonly defaultExpiresSeconds: number;
  readonly maxExpiresSeconds: number;
}

/** Seconds asked for, or `malformed` for an Expires that is not a number of seconds. */
export function requestedExpires(request: IncomingRequest, bounds: ExpiresBounds): number | 'malformed' {
  const value = request.headers.get('expires');
  try {
    return value === undefined ? bounds.defaultExpiresSeconds : parseExpires(value);
  } catch {
    return 'malformed';
  }
}

export function grantedExpires(expires: number, bounds: ExpiresBounds): number {
  return Math.min(expires, bounds.maxExpiresSeconds);
}
