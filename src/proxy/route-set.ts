// RFC 3261 §16.4 route information preprocessing: undo a strict-routing previous hop, remove the
// edge's own Route entries (remembering which listener the last one named, which says the side the
// request leaves on), and find the next hop a remaining Route names.

import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { isSipUri } from '../sip/uri.js';
import type { Side } from '../transport/flow.js';
import type { LocalAddresses } from './local-addresses.js';

export interface RoutePlan {
  /** The Request-URI to forward with (changed when the previous hop was a strict router). */
  readonly requestUri: string;
  /** How many Route values to remove from the top. */
  readonly ownRoutes: number;
  /** Remove the last Route value (it became the Request-URI). */
  readonly removeLastRoute: boolean;
  /** The first remaining Route value's URI and the side the edge's own last entry named. */
  readonly nextHop: { readonly uri: string; readonly side: Side | undefined } | undefined;
}

export function planRoute(request: IncomingRequest, local: LocalAddresses): RoutePlan {
  const routes = request.headers.values('route');
  let requestUri = request.requestUriText;
  let removeLastRoute = false;
  const requestUriValue = request.requestUri;
  if (routes.length > 0 && isSipUri(requestUriValue) && requestUriValue.user === undefined && local.isOwnUri(requestUriValue)) {
    // The previous hop was a strict router: it put the edge's Record-Route entry in the
    // Request-URI and the real target in the last Route (RFC 3261 §16.4).
    requestUri = parseNameAddr(routes[routes.length - 1]!, 'Route').uriText;
    removeLastRoute = true;
  }
  const usable = removeLastRoute ? routes.slice(0, -1) : routes;
  let ownRoutes = 0;
  let side: Side | undefined;
  for (const value of usable) {
    const uri = parseNameAddr(value, 'Route').uri;
    const listener = isSipUri(uri) ? local.isOwnUri(uri) : undefined;
    if (listener === undefined) break;
    side = listener.side;
    ownRoutes++;
  }
  const next = usable[ownRoutes];
  return {
    requestUri,
    ownRoutes,
    removeLastRoute,
    nextHop: next === undefined ? (side === undefined ? undefined : { uri: requestUri, side }) : { uri: parseNameAddr(next, 'Route').uriText, side },
  };
}
