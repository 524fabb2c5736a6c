// The request route, read top to bottom like Kamailio's request_route: every step a new request takes
// from arrival to relay, in order, each naming the SPEC ID it implements. A step goes on (undefined),
// answers at the edge (an Answer: the route stops and ProxyCore sends it), or has handled the request
// itself (HANDLED: a CANCEL answered, a routing reply sent, the relay started).
//
//   admission    O5 draining, Y4 pending bound
//   validation   RFC 3261 §16.3: syntax (Y4), URI scheme, Max-Forwards (S3), Proxy-Require; CANCEL (§16.10)
//   loop         S3 loop detection, after the route set is read (§16.4)
//   authority    F7 implicit authority (inbound), D1 federation; I2 X2 the community's own requests
//                authenticated when community.authenticate names their method (RFC 3261 §22.3)
//   policy       the profile's inbound chain (src/policy/chains.ts)
//   routing      RFC 3263 / the community router; F7 outbound origin; the profile's outbound chain
//   relay        RFC 3261 §16.6-16.7 through a ForwardingContext
//
// Steps are objects made once; running the route allocates one RouteState per request and nothing
// per step. A step that is `configurable` takes its mode from `policy.rules[<name>]` like a border
// rule (enforce, shadow: decide and record but do not apply, off); the others are RFC 3261 MUSTs or
// the bookkeeping later steps depend on, and always run.

import type { Crossing } from '../policy/border-policy.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { RuleMode } from '../policy/run-chain.js';
import type { SpecId } from '../policy/spec-id.js';
import { isIpLiteral } from '../routing/hop-side.js';
import type { RouteDecision, Routed, RouteTarget } from '../routing/route-types.js';
import { createResponse } from '../sip/create-response.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { isSipUri, type Uri } from '../sip/uri.js';
import type { Flow } from '../transport/flow.js';
import type { CrossingRecord } from './border-audit.js';
import { isLoop, loopKey } from './branch.js';
import { internalAuthentication } from './internal-authentication.js';
import type { ProxyCoreDeps } from './proxy-core.js';
import { planRoute, type RoutePlan } from './route-set.js';
import { claimedDomain, effectiveUri, namePeer, recordedDestination, targetDomain } from './route-targets.js';
import { checkMaxForwards, checkProxyRequire, checkSyntax, checkUriScheme, type Answer } from './validate-request.js';

/** The step dealt with the request itself; the route ends without an answer from ProxyCore. */
export const HANDLED = 'handled';
export type StepOutcome = Answer | typeof HANDLED | undefined;

export interface RouteStep {
  readonly id: SpecId;
  /** The step's name in logs, metrics and `policy.rules`. */
  readonly name: string;
  /** Whether `policy.rules[name]` may shadow or turn the step off. */
  readonly configurable: boolean;
  decide(route: RouteState, host: RouteHost): StepOutcome | Promise<StepOutcome>;
}

/** What the steps need from the proxy core that runs them. */
export interface RouteHost {
  readonly deps: ProxyCoreDeps;
  /** O5: every request; while draining, only those of live dialogs and transactions; then none. */
  readonly accepting: 'all' | 'in-dialog' | 'none';
  /** Requests without a final response yet, this one included (Y4). */
  readonly pending: number;
  /** Send an answer from the edge (metric, log line, audit decision). */
  answer(transaction: CrossingRecord, answer: Answer): void;
  /** RFC 3261 §16.10: answer the CANCEL and cancel its INVITE's branch. */
  cancel(request: IncomingRequest, transaction: CrossingRecord): void;
  /** I4: a request to a Contact the edge sealed is routed on the original. */
  unsealed(plan: RoutePlan): RoutePlan;
  /** Start relaying: a ForwardingContext with what the route worked out. */
  relay(route: RouteState): void;
}

const NO_EDITS: readonly HeaderEdit[] = Object.freeze([]);

/** What the route has learnt of one request so far. */
export class RouteState {
  readonly request: IncomingRequest;
  readonly transaction: CrossingRecord;
  readonly arrival: Flow;
  loopKey = '';
  plan: RoutePlan | undefined;
  requestUri: Uri | undefined;
  /** Set once the request is known to cross: inbound on arrival, outbound after routing. */
  crossing: Crossing | undefined;
  decision: Extract<RouteDecision, { kind: 'forward' }> | undefined;
  inboundEdits = NO_EDITS;
  outboundEdits = NO_EDITS;
  /** I2, X2: the edge's own credentials consumed, assertions an unauthenticated sender may not make removed. */
  authenticationEdits = NO_EDITS;

  constructor(request: IncomingRequest, transaction: CrossingRecord) {
    this.request = request;
    this.transaction = transaction;
    this.arrival = transaction.flow;
  }

  /** Every header edit the route decided, in the order the steps made them. */
  edits(): readonly HeaderEdit[] {
    const lists = [this.authenticationEdits, this.inboundEdits, this.outboundEdits].filter((l) => l.length > 0);
    return lists.length <= 1 ? (lists[0] ?? NO_EDITS) : lists.flat();
  }

  /** Attribute the request to a crossing: counted and audited under it from now on. */
  cross(crossing: Crossing): void {
    this.crossing = crossing;
    this.transaction.crossing = crossing;
  }
}

/** Seconds a client is asked to wait while the edge shuts down (O5). */
const SHUTDOWN_RETRY_AFTER_S = 5;
/** Seconds a client is asked to wait while the edge sheds load (Y4). */
const OVERLOAD_RETRY_AFTER_S = 2;

// ---------------------------------------------------------------------------------------------
// Admission

const draining: RouteStep = {
  id: 'O5',
  name: 'draining',
  configurable: false,
  decide({ request }, { accepting }) {
    const refused =
      accepting === 'none' ||
      (accepting === 'in-dialog' && request.to.tag === undefined && request.method !== 'CANCEL');
    return refused
      ? { status: 503, headers: [['Retry-After', String(SHUTDOWN_RETRY_AFTER_S)]], because: 'O5 shutting down' }
      : undefined;
  },
};

const pendingBound: RouteStep = {
  id: 'Y4',
  name: 'pending-bound',
  configurable: true,
  decide({ request }, { deps, pending }) {
    // Past the bound, shed new work at once (RFC 3261 §21.5.4) rather than queue it into timeouts.
    const bound = deps.maxPendingRequests;
    return bound !== undefined && pending > bound && request.method !== 'CANCEL'
      ? { status: 503, headers: [['Retry-After', String(OVERLOAD_RETRY_AFTER_S)]], because: 'Y4 overload' }
      : undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// Validation (RFC 3261 §16.3), then CANCEL (§16.10)

const syntax: RouteStep = {
  id: 'Y4',
  name: 'syntax',
  configurable: false,
  decide: ({ request }, { deps }) => checkSyntax(request, deps.limits),
};

const uriScheme: RouteStep = {
  id: 'S3',
  name: 'uri-scheme',
  configurable: false,
  decide: ({ request }) => checkUriScheme(request),
};

const maxForwards: RouteStep = {
  id: 'S3',
  name: 'max-forwards',
  configurable: false,
  decide: ({ request }) => checkMaxForwards(request),
};

const proxyRequire: RouteStep = {
  id: 'S3',
  name: 'proxy-require',
  configurable: false,
  decide: ({ request }) => checkProxyRequire(request),
};

const cancel: RouteStep = {
  id: 'S3',
  name: 'cancel',
  configurable: false,
  decide({ request, transaction }, host) {
    if (request.method !== 'CANCEL') return undefined;
    host.cancel(request, transaction);
    return HANDLED;
  },
};

// ---------------------------------------------------------------------------------------------
// Loop (S3), on the route set as received (§16.4)

const loop: RouteStep = {
  id: 'S3',
  name: 'loop',
  configurable: false,
  decide(route, host) {
    const { request, transaction } = route;
    // RFC 3261 §16.2: a 100 Trying stops the caller's INVITE retransmissions while the route goes on.
    if (request.method === 'INVITE') transaction.respond(createResponse(request, 100));
    route.loopKey = loopKey(request);
    const local = host.deps.local;
    if (isLoop(request, route.loopKey, (h, port) => local.find(h, port) !== undefined))
      return { status: 482, because: 'S3 loop detected' };
    route.plan = host.unsealed(planRoute(request, local));
    route.requestUri = effectiveUri(request, route.plan);
    return undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// Authority: who an inbound request is from (F7), and whether that peer may federate (D1)

const implicitAuthority: RouteStep = {
  id: 'F7',
  name: 'implicit-authority',
  configurable: false,
  decide(route, { deps }) {
    const { request, arrival } = route;
    if (arrival.side !== 'external') return undefined;
    const origin = deps.authority?.attribute(request, arrival) ?? {
      kind: 'peer',
      peer: claimedDomain(request, arrival),
      authenticated: false,
    };
    if (origin.kind === 'refused') {
      // Counted and audited under who the connection proved to be, never the domain the peer wrote (B4).
      route.cross({ direction: 'inbound', peer: arrival.peerIdentity?.[0] ?? 'unauthenticated' });
      return { status: 403, reason: origin.reason, because: 'F7 implicit authority' };
    }
    route.cross({ direction: 'inbound', peer: origin.peer });
    return undefined;
  },
};

const federation: RouteStep = {
  id: 'D1',
  name: 'federation',
  configurable: true,
  decide({ request, crossing }, { deps }) {
    // The peer a request is attributed to, and the domain its From claims, must both be admitted.
    const gate = deps.federation;
    if (gate === undefined || crossing?.direction !== 'inbound') return undefined;
    const from = request.from.uri;
    const claimed = isSipUri(from) ? from.host.toLowerCase() : undefined;
    for (const domain of claimed === crossing.peer ? [crossing.peer] : [crossing.peer, claimed]) {
      if (domain === undefined || gate.isOwn(domain) || isIpLiteral(domain)) continue;
      const refusal = gate.refusal(domain);
      if (refusal !== undefined)
        return { status: refusal.status, reason: refusal.reason, because: `D1 ${refusal.code}` };
    }
    return undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// The profile's rules, one chain per direction (src/policy/chains.ts), and routing between them

const inboundPolicy: RouteStep = {
  id: 'G1',
  name: 'inbound-policy',
  configurable: false,
  decide(route, { deps }) {
    // Not async: a request no rule applies to (policy off, a method no rule names) moves on without a promise.
    const policy = deps.policy;
    const { crossing, request } = route;
    if (crossing?.direction !== 'inbound' || policy?.checksRequests(request.method, 'inbound') !== true)
      return undefined;
    return policy.checkRequest(request, crossing).then((outcome) => {
      route.inboundEdits = outcome.edits;
      return policyAnswer(outcome);
    });
  },
};

const routing: RouteStep = {
  id: 'S3',
  name: 'routing',
  configurable: false,
  decide(route, host) {
    const { request, arrival } = route;
    const plan = route.plan!;
    const requestUri = route.requestUri!;
    const decision =
      recordedDestination(plan, requestUri, arrival) ??
      host.deps.router.route({ request, flow: arrival, requestUri, nextHop: plan.nextHop });
    // A decision that needed no I/O comes without a promise: nothing to wait for on the hot path.
    return decision instanceof Promise
      ? decision.then((decided) => followDecision(route, host, decided))
      : followDecision(route, host, decision);
  },
};

/** Answer at the edge, or keep the targets and attribute the request to the peer it leaves for. */
function followDecision(route: RouteState, host: RouteHost, decision: RouteDecision): Routed<StepOutcome> {
  if (decision.kind === 'reply') {
    host.answer(route.transaction, decision);
    // The presence server's initial NOTIFY may be sent asynchronously: its failure is the request's.
    const after: unknown = decision.afterAnswer?.();
    return after instanceof Promise ? after.then(() => HANDLED) : HANDLED;
  }
  route.decision = decision;
  if (route.crossing === undefined && decision.targets.some(isExternal)) {
    // Inside a dialog the Request-URI is the far end's Contact (often an address); its To names the peer.
    const { request } = route;
    const named = request.to.tag === undefined ? route.requestUri! : request.to.uri;
    route.cross({ direction: 'outbound', peer: decision.targets[0]?.servername ?? targetDomain(named) });
  }
  return undefined;
}

function isExternal(target: RouteTarget): boolean {
  return target.side === 'external';
}

const outboundOrigin: RouteStep = {
  id: 'F7',
  name: 'outbound-origin',
  configurable: true,
  decide({ request, crossing }, { deps }) {
    // RFC 5922 §7.2 seen from the other side: a peer attributes what arrives on our flow to the domains
    // our certificate covers, so only the domains this edge serves may appear in From.
    const served = deps.servedDomains;
    const from = request.from.uri;
    if (crossing?.direction !== 'outbound' || served === undefined || !isSipUri(from)) return undefined;
    const domain = from.host.toLowerCase();
    return served.has(domain)
      ? undefined
      : { status: 403, reason: `From Domain ${domain} Not Served Here`, because: 'F7 outbound origin' };
  },
};

const outboundPolicy: RouteStep = {
  id: 'G1',
  name: 'outbound-policy',
  configurable: false,
  decide(route, { deps }) {
    const policy = deps.policy;
    const { crossing, request } = route;
    if (crossing?.direction !== 'outbound' || policy?.checksRequests(request.method, 'outbound') !== true)
      return undefined;
    return policy.checkRequest(request, crossing).then((outcome) => {
      route.outboundEdits = outcome.edits;
      return policyAnswer(outcome);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Relay (§16.6-16.7)

const relay: RouteStep = {
  id: 'S3',
  name: 'relay',
  configurable: false,
  decide(route, host) {
    const { crossing, decision } = route;
    if (crossing?.direction === 'outbound' && decision !== undefined) {
      const targets = namePeer(decision.targets, crossing.peer);
      if (targets !== decision.targets) route.decision = { ...decision, targets };
    }
    host.relay(route);
    return HANDLED;
  },
};

/** Every step a new request takes, in order. */
export const REQUEST_ROUTE: readonly RouteStep[] = [
  draining,
  pendingBound,
  syntax,
  uriScheme,
  maxForwards,
  proxyRequire,
  cancel,
  loop,
  implicitAuthority,
  federation,
  internalAuthentication,
  inboundPolicy,
  routing,
  outboundOrigin,
  outboundPolicy,
  relay,
];

export interface PreparedStep {
  readonly step: RouteStep;
  readonly mode: 'enforce' | 'shadow';
}

/** The route with each configurable step's mode, worked out once per configuration. */
export function prepareRoute(
  steps: readonly RouteStep[],
  modeOf: ((name: string) => RuleMode | undefined) | undefined,
): readonly PreparedStep[] {
  const prepared: PreparedStep[] = [];
  for (const step of steps) {
    const mode = step.configurable ? (modeOf?.(step.name) ?? 'enforce') : 'enforce';
    if (mode !== 'off') prepared.push({ step, mode });
  }
  return prepared;
}

/** The answer a policy chain's reply or absorb makes, or undefined when the request goes on. */
function policyAnswer(outcome: Awaited<ReturnType<NonNullable<ProxyCoreDeps['policy']>['checkRequest']>>): StepOutcome {
  const verdict = outcome.verdict;
  if (verdict.kind !== 'reply' && verdict.kind !== 'absorb') return undefined;
  const because = `${outcome.decidedBy?.id ?? 'policy'} ${outcome.decidedBy?.name ?? ''}`.trim();
  return {
    status: verdict.status,
    ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
    ...(verdict.headers === undefined ? {} : { headers: verdict.headers }),
    because,
  };
}
