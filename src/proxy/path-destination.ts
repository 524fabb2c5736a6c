// The way back through a Path entry the edge added (SPEC I6, RFC 3327, RFC 5626 §5.3): a request from
// the community's side whose Route names the edge with a flow token that carries a flow id goes to the
// client over that flow, whatever its Request-URI (the client's Contact, which behind a NAT points
// nowhere). An own entry marked `ob` whose token this process did not write (a Path of an earlier
// run, whose flows closed with it, or a forged one) names no flow the edge has: 430 Flow Failed.

import type { RouteDecision } from '../routing/route-types.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import { isSipUri } from '../sip/uri.js';
import type { Flow } from '../transport/flow.js';
import { readFlowToken } from './flow-token.js';
import type { RoutePlan } from './route-set.js';

const UNKNOWN_FLOW: RouteDecision = {
  kind: 'reply',
  status: 430,
  reason: 'Flow Failed',
  headers: [],
  because: 'I6 flow token of no live flow',
};

const OB_PARAM = /;\s*ob\b/i;

export function pathDestination(request: IncomingRequest, plan: RoutePlan, arrival: Flow): RouteDecision | undefined {
  if (arrival.side !== 'internal' || plan.ownRoutes === 0) return undefined;
  const recorded = plan.recordedFlow;
  if (recorded?.flowId !== undefined) {
    const { protocol, address, port, flowId } = recorded;
    // A datagram flow is the address and port the REGISTER came from; a stream is found by id (or 430).
    const target =
      protocol === 'udp'
        ? { protocol, address, port, side: 'internal' as const }
        : { protocol, address, port, side: 'internal' as const, flow: flowId };
    return { kind: 'forward', targets: [target] };
  }
  return namesDeadFlow(request, plan) ? UNKNOWN_FLOW : undefined;
}

/** An own Route entry with `ob` and a user part that is no token of this process. */
function namesDeadFlow(request: IncomingRequest, plan: RoutePlan): boolean {
  // A softphone's preloaded Route names the edge on every request: look further only when one says ob.
  if (!request.headers.getAll('route').some((line) => OB_PARAM.test(line))) return false;
  const own = request.headers.values('route').slice(0, plan.ownRoutes);
  return own.some((value) => {
    const uri = parseNameAddr(value, 'Route').uri;
    return isSipUri(uri) && uri.params.has('ob') && (uri.user === undefined || readFlowToken(uri.user) === undefined);
  });
}
