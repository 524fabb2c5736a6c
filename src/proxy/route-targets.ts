// Where a request goes, worked out from what it carries: the Request-URI it is routed on, the flow a
// dialog recorded (B3), the peer a target is named after (F4). Shared by the request route and the
// stateless ACK relay.

import { isIpLiteral } from '../routing/hop-side.js';
import type { RouteDecision, RouteTarget } from '../routing/route-types.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isSipUri, parseUri, type Uri } from '../sip/uri.js';
import type { Flow } from '../transport/flow.js';
import type { RoutePlan } from './route-set.js';

/**
 * An in-dialog request follows a Route to an address; the peer it goes to is the one its To names.
 * Naming it lets the peers layer send it over that peer's open connection (F4) and check the
 * certificate against it (RFC 5922), as for a request routed by domain.
 */
export function namePeer(targets: readonly RouteTarget[], peer: string): readonly RouteTarget[] {
  // The list as it came when no target needs the name: no copy per request.
  if (!namesPeer(peer) || !targets.some(lacksPeerName)) return targets;
  return targets.map((t) => (lacksPeerName(t) ? { ...t, servername: peer } : t));
}

/** namePeer for the one target of a stateless ACK, without a list around it. */
export function namedPeer(target: RouteTarget, peer: string): RouteTarget {
  return namesPeer(peer) && lacksPeerName(target) ? { ...target, servername: peer } : target;
}

function namesPeer(peer: string): boolean {
  return !isIpLiteral(peer) && peer.includes('.');
}

function lacksPeerName(target: RouteTarget): boolean {
  return target.side === 'external' && target.servername === undefined;
}

/**
 * B3: a peer's request inside a dialog a community client started goes to the client's Contact (RFC
 * 3261 §12.2) only when the Contact names the host the dialog came from, as the edge's own Record-Route
 * entry recorded it (flow-token.ts); otherwise (a NAT, or a Contact naming somebody else) back over the
 * recorded flow. Never to another host. Undefined when the route set carries no token or more Routes follow.
 */
export function recordedDestination(plan: RoutePlan, requestUri: Uri, arrival: Flow): RouteDecision | undefined {
  const recorded = plan.recordedFlow;
  if (recorded === undefined || arrival.side !== 'external' || plan.nextHop !== undefined) return undefined;
  const flow: RouteTarget = { ...recorded, side: 'internal' };
  if (!isSipUri(requestUri) || bareHost(requestUri.host) !== recorded.address)
    return { kind: 'forward', targets: [flow] };
  const contactPort = requestUri.port ?? (recorded.protocol === 'tls' ? 5061 : 5060);
  // The Contact first; should nothing listen there, the flow the client opened.
  return { kind: 'forward', targets: contactPort === recorded.port ? [flow] : [{ ...flow, port: contactPort }, flow] };
}

function bareHost(host: string): string {
  return (host.startsWith('[') ? host.slice(1, -1) : host).toLowerCase();
}

export function effectiveUri(request: IncomingRequest, plan: RoutePlan): Uri {
  return plan.requestUri === request.requestUriText ? request.requestUri : parseUri(plan.requestUri);
}

/** The domain a request claims to come from, when no ImplicitAuthority is configured (tests). */
export function claimedDomain(request: IncomingRequest, flow: Flow): string {
  const from = request.from.uri;
  return isSipUri(from) ? from.host.toLowerCase() : (flow.peerIdentity?.[0] ?? flow.remote.address);
}

export function targetDomain(uri: Uri): string {
  return isSipUri(uri) ? uri.host.toLowerCase() : uri.scheme;
}
