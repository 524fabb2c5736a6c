// The request route's step for the community's own requests (SPEC I2, X2; RFC 3261 §22.3): a request
// from the internal side of a method `community.authenticate` names, outside a dialog, is answered 407
// until its Proxy-Authorization proves the From's user, 403 when it proves another user or none. The
// digest check and who may assert what live in the community layer (ProxyAuthentication); this step
// applies its outcome, counts it and logs it with the Call-ID.

import type { ProxyAuthenticationOutcome } from '../community/proxy-authentication.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { RouteState, RouteStep, StepOutcome } from './request-route.js';
import type { ProxyCoreDeps } from './proxy-core.js';
import { isSipUri } from '../sip/uri.js';
import { warning } from './validate-request.js';

/** What the step asks of the community's authentication; declared here, where it is used. */
export interface InternalAuthentication {
  /** Whether the request must prove its sender (a listed method, outside a dialog the edge vouches for). */
  requires(request: IncomingRequest, provenDialog: boolean): boolean;
  /** The outcome for a request that need not: it may assert no identity or trust level. */
  exempt(): ProxyAuthenticationOutcome;
  check(request: IncomingRequest): Promise<ProxyAuthenticationOutcome>;
}

export const internalAuthentication: RouteStep = {
  id: 'I2',
  name: 'internal-authentication',
  configurable: false,
  decide(route, { deps }) {
    const authentication = deps.internalAuthentication;
    if (authentication === undefined || route.arrival.side !== 'internal') return undefined;
    // Not async for a request that need not authenticate: no store lookup, no promise.
    if (!authentication.requires(route.request, inProvenDialog(route, deps)))
      return apply(route, deps, authentication.exempt());
    return authentication.check(route.request).then((outcome) => apply(route, deps, outcome));
  },
};

/**
 * A request inside a dialog through the edge shows it with more than a To tag: its own Route entry
 * carries this edge's HMAC flow token (written into the Record-Route when the dialog left the
 * community, flow-token.ts), or it is addressed to the built-in server's Contact (the edge's own
 * address), where the server matches the dialog itself and answers 481 to a made-up one.
 */
function inProvenDialog(route: RouteState, deps: ProxyCoreDeps): boolean {
  if (route.request.to.tag === undefined) return false;
  if (route.plan?.recordedFlow !== undefined) return true;
  const uri = route.requestUri;
  return uri !== undefined && isSipUri(uri) && deps.local.isOwnUri(uri) !== undefined;
}

function apply(route: RouteState, deps: ProxyCoreDeps, outcome: ProxyAuthenticationOutcome): StepOutcome {
  if (outcome.kind === 'exempt') {
    route.authenticationEdits = outcome.edits;
    return undefined;
  }
  deps.metrics.internalAuthentications.inc({ outcome: outcome.kind, reason: reasonOf(outcome) });
  const { request } = route;
  const callId = request.headers.get('call-id');
  switch (outcome.kind) {
    case 'accepted':
      deps.log.debug(
        { callId, method: request.method, user: outcome.user, spec: 'I2' },
        'internal request authenticated',
      );
      route.authenticationEdits = outcome.edits;
      return undefined;
    case 'challenged':
      // The answer's own log line carries the Call-ID and this `because`; a first request is always challenged.
      return { status: 407, headers: outcome.headers, because: `I2 RFC 3261 §22.3 challenge (${outcome.reason})` };
    case 'refused':
      deps.log.info(
        { callId, method: request.method, reason: outcome.reason, detail: outcome.warning, spec: 'I2' },
        'internal request refused: credentials do not prove the From',
      );
      return {
        status: 403,
        headers: [['Warning', warning(outcome.warning)]],
        because: `I2 RFC 3261 §22.3 refused (${outcome.reason})`,
      };
  }
}

function reasonOf(outcome: Exclude<ProxyAuthenticationOutcome, { kind: 'exempt' }>): string {
  return outcome.kind === 'accepted' ? 'credentials' : outcome.reason;
}
