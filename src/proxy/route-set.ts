// RFC 3261 §16.4 route information preprocessing: undo a strict-routing previous hop, remove the
// edge's own Route entries, and find the next hop a remaining Route names. Which of the edge's
// listeners an own entry named says nothing about where the request goes: a softphone's outbound-proxy
// Route names the internal listener whatever the target. Once the own entries are spent, the request
// is routed like any other, on its Request-URI or the next Route (SPEC B1, docs/SECURITY.md).

import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { isSipUri } from '../sip/uri.js';
import { readFlowToken, type RecordedFlow } from './flow-token.js';
import type { LocalAddresses } from './local-addresses.js';

export interface RoutePlan {
  /** The Request-URI to forward with (changed when the previous hop was a strict router). */
  readonly requestUri: string;
  /** How many Route values to remove from the top. */
  readonly ownRoutes: number;
  /** Remove the last Route value (it became the Request-URI). */
  readonly removeLastRoute: boolean;
  /** The first Route value after the edge's own entries, when one remains. */
  readonly nextHop: { readonly uri: string } | undefined;
  /** Where a community client of the dialog really is, from a flow token in an own entry (flow-token.ts). */
  readonly recordedFlow?: RecordedFlow;
}

export function planRoute(request: IncomingRequest, local: LocalAddresses): RoutePlan {
  const routes = request.headers.values('route');
  let requestUri = request.requestUriText;
  let removeLastRoute = false;
  const requestUriValue = request.requestUri;
  if (
    routes.length > 0 &&
    isSipUri(requestUriValue) &&
    (requestUriValue.user === undefined || readFlowToken(requestUriValue.user) !== undefined) &&
    local.isOwnUri(requestUriValue)
  ) {
    // The previous hop was a strict router: it put the edge's Record-Route entry in the
    // Request-URI and the real target in the last Route (RFC 3261 §16.4).
    requestUri = parseNameAddr(routes[routes.length - 1]!, 'Route').uriText;
    removeLastRoute = true;
  }
  const usable = removeLastRoute ? routes.slice(0, -1) : routes;
  let ownRoutes = 0;
  let recordedFlow: RecordedFlow | undefined;
  for (const value of usable) {
    const uri = parseNameAddr(value, 'Route').uri;
    if (!isSipUri(uri) || local.isOwnUri(uri) === undefined) break;
    recordedFlow = (uri.user === undefined ? undefined : readFlowToken(uri.user)) ?? recordedFlow;
    ownRoutes++;
  }
  const next = usable[ownRoutes];
  return {
    requestUri,
    ownRoutes,
    removeLastRoute,
    nextHop: next === undefined ? undefined : { uri: parseNameAddr(next, 'Route').uriText },
    ...(recordedFlow === undefined ? {} : { recordedFlow }),
  };
}
