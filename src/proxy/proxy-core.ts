// The RFC 3261 §16 stateful proxy. A new request walks the request route (request-route.ts: admission,
// validation, loop, authority, policy, routing, relay) step by step; this core runs it, answers at the
// edge when a step says so, and keeps what outlives one request (INVITEs a CANCEL may find, the count
// of pending requests, whether it still accepts). ACKs for 2xx and stray responses are relayed
// statelessly (§16.7 step 10, §16.11).

import { createResponse } from '../sip/create-response.js';
import { isEdgeError } from '../errors.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { TransactionUser } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/flow.js';
import type { RuleMode } from '../policy/run-chain.js';
import { otherSide } from '../routing/resolve-target.js';
import { CrossingRecord, type AuditSink } from './border-audit.js';
import { branchVouchesFor, forwardBranch, loopKey } from './branch.js';
import type { ImplicitAuthority } from './implicit-authority.js';
import type { InternalAuthentication } from './internal-authentication.js';
import { forwardRequest } from './forward-request.js';
import { ForkContext } from './fork-context.js';
import { ForwardingContext, type ForwardingInput, type Relay } from './forwarding-context.js';
import type { ProxyDeps } from './proxy-deps.js';
import { viaListener } from './record-route.js';
import { lifecycle } from './request-lifecycle.js';
import {
  HANDLED,
  prepareRoute,
  REQUEST_ROUTE,
  RouteState,
  type PreparedStep,
  type RouteHost,
  type RouteStep,
} from './request-route.js';
import type { ResponseDispatcher } from './response-dispatcher.js';
import { planRoute, type RoutePlan } from './route-set.js';
import { effectiveUri, namedPeer, recordedDestination, targetDomain } from './route-targets.js';
import { storeOutageAnswer } from './store-outage.js';
import { checkSyntax, warning, type Answer } from './validate-request.js';

export interface ProxyCoreDeps extends ProxyDeps {
  readonly responses: ResponseDispatcher;
  /** F7: who an inbound request is from; absent, the From domain is taken as claimed. */
  readonly authority?: ImplicitAuthority;
  /** Y4: requests handled at once before new ones are answered 503 (limits.maxPendingRequests); absent: no bound. */
  readonly maxPendingRequests?: number;
  /** F7 outbound: the domains this edge serves; a request leaving with another From domain is refused. Absent: unchecked. */
  readonly servedDomains?: ReadonlySet<string>;
  /** X1: one line per border-crossing request; none when absent. */
  readonly audit?: AuditSink;
  /** D1: whether a peer domain may federate with this community; absent, every peer may. */
  readonly federation?: FederationGate;
  /** I2, X2: the community's own requests authenticated (community.authenticate); absent: trusted by address. */
  readonly internalAuthentication?: InternalAuthentication;
  /** `policy.rules[step]` for the request route's configurable steps (request-route.ts); absent: enforce. */
  readonly routeModeOf?: (step: string) => RuleMode | undefined;
  findInviteServerTransaction(cancel: IncomingRequest, flow: Flow): ServerTransaction | undefined;
}

/** D1 static provisioning as the proxy asks it (the peers layer's PeerDirectory answers). */
export interface FederationGate {
  isOwn(domain: string): boolean;
  /** Why the peer domain may not federate (deny-list, closed mode), or undefined. */
  refusal(
    domain: string,
  ): { readonly status: number; readonly reason: string; readonly message: string; readonly code: string } | undefined;
}

export class ProxyCore implements TransactionUser {
  #deps: ProxyCoreDeps;
  /** The request route (request-route.ts) with the modes configured for its steps. */
  #route: readonly PreparedStep[];
  /** Relays of INVITEs in progress, by server transaction, so a CANCEL can find its INVITE. */
  readonly #invites = new Map<string, Relay>();
  /** O5: every request; while draining, only those of live dialogs and transactions; then none. */
  #accepting: 'all' | 'in-dialog' | 'none' = 'all';
  /** Requests without a final response yet (Y4 overload bound). */
  #pending = 0;
  /** What the route's steps see of this core: made once, not per request. */
  readonly #host: RouteHost;

  constructor(deps: ProxyCoreDeps) {
    this.#deps = deps;
    this.#route = prepareRoute(REQUEST_ROUTE, deps.routeModeOf);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host reads the core's live state
    const core = this;
    this.#host = {
      get deps() {
        return core.#deps;
      },
      get accepting() {
        return core.#accepting;
      },
      get pending() {
        return core.#pending;
      },
      answer: (transaction, answer) => this.#answer(transaction, answer),
      cancel: (request, transaction) => this.#cancel(request, transaction),
      unsealed: (plan) => this.#unsealed(plan),
      relay: (route) => this.#relay(route),
    };
  }

  /**
   * O2: new requests meet these rules, routes and agreements; requests already being relayed keep
   * the ones they started with (their ForwardingContext holds them).
   */
  reconfigure(
    parts: Partial<Pick<ProxyCoreDeps, 'policy' | 'router' | 'authority' | 'federation' | 'routeModeOf'>>,
  ): void {
    this.#deps = { ...this.#deps, ...parts };
    this.#route = prepareRoute(REQUEST_ROUTE, this.#deps.routeModeOf);
  }

  /**
   * O5: from now on new requests are answered 503 with Retry-After; live ones finish. While draining
   * (`inDialog`), requests within a dialog and CANCELs of live INVITEs still go through.
   */
  stopAccepting(options: { inDialog?: boolean } = {}): void {
    this.#accepting = options.inDialog === true && this.#accepting !== 'none' ? 'in-dialog' : 'none';
  }

  onRequest(request: IncomingRequest, received: ServerTransaction): void {
    this.#deps.metrics.countRequest(request.method, received.flow.side);
    this.#pending++;
    if (lifecycle.received.hasSubscribers) lifecycle.received.publish({ request, transaction: received.id });
    const transaction = new CrossingRecord(received, this.#deps, () => {
      this.#pending--;
      if (lifecycle.answered.hasSubscribers)
        lifecycle.answered.publish({ request, transaction: received.id, decision: transaction.decision });
    });
    this.#run(new RouteState(request, transaction)).catch((error: unknown) => {
      const outage = storeOutageAnswer(error);
      if (outage !== undefined) {
        // O7: an outage, not a bug: a warn line without a stack, and 503 so the peer fails over.
        this.#deps.log.warn(
          { callId: safeCallId(request), transaction: received.id, err: outage.detail },
          'store unavailable; answered 503',
        );
        return this.#answer(transaction, outage);
      }
      this.#deps.log.error(
        { callId: safeCallId(request), transaction: received.id, err: error },
        'request handling failed',
      );
      this.#answer(transaction, { status: 500, because: 'internal error' });
    });
  }

  /** Walk the request route: the first answer stops it, unless its step is in shadow mode. */
  async #run(route: RouteState): Promise<void> {
    for (const { step, mode } of this.#route) {
      // Most steps decide synchronously; awaiting only real promises spares a microtask per step.
      const decided = step.decide(route, this.#host);
      const outcome = decided instanceof Promise ? await decided : decided;
      if (outcome === undefined) continue;
      if (outcome === HANDLED) return;
      if (mode === 'shadow') {
        this.#shadowed(step, outcome, route);
        continue;
      }
      return this.#answer(route.transaction, outcome);
    }
  }

  /** A configurable step in shadow mode decided to answer: recorded like a shadowed border rule, not applied. */
  #shadowed(step: RouteStep, answer: Answer, route: RouteState): void {
    const peer = route.crossing?.peer ?? 'unattributed';
    this.#deps.metrics.policyDecisions.inc({
      rule: step.name,
      verdict: `shadow-reply-${answer.status}`,
      peer: this.#deps.metrics.peerLabel.of(peer),
    });
    this.#deps.log.info(
      {
        callId: safeCallId(route.request),
        method: route.request.method,
        rule: step.name,
        spec: step.id,
        verdict: `reply-${answer.status}`,
        because: answer.because,
        shadow: true,
        peer,
      },
      'route decision (shadow: not applied)',
    );
  }

  /** §16.6-16.7: relay through a ForwardingContext with what the route worked out. */
  #relay(route: RouteState): void {
    const { transaction, decision, plan } = route;
    if (decision === undefined || plan === undefined) throw new Error('relay before routing');
    const input: ForwardingInput = {
      serverTransaction: transaction,
      targets: decision.targets,
      requestUri: decision.requestUri ?? plan.requestUri,
      plan,
      loopKey: route.loopKey,
      crossing: route.crossing,
      edits: route.edits(),
    };
    // I5: several contacts of one user fork; one target list (the hot path) takes no fork machinery.
    const context =
      decision.fork === undefined
        ? new ForwardingContext(this.#deps, input)
        : new ForkContext(this.#deps, input, decision.fork);
    if (route.request.method === 'INVITE') {
      this.#invites.set(transaction.id, context);
      transaction.onTerminated(() => this.#invites.delete(transaction.id));
    }
    if (lifecycle.decided.hasSubscribers)
      lifecycle.decided.publish({ request: route.request, transaction: transaction.id, decision: 'relayed' });
    context.start();
    if (lifecycle.relayed.hasSubscribers)
      lifecycle.relayed.publish({ request: route.request, transaction: transaction.id, targets: decision.targets });
  }

  /** I4: a request to a Contact the edge sealed goes to the original, on the community's side. */
  #unsealed(plan: RoutePlan): RoutePlan {
    const original = this.#deps.topology?.unseal(plan.requestUri);
    if (original === undefined) return plan;
    // Routed on the original Contact like any request inside a dialog: hop-side.ts sends it to the community.
    return { ...plan, requestUri: original };
  }

  /** RFC 3261 §16.10: answer the CANCEL here, then cancel the INVITE's pending branch. */
  #cancel(cancel: IncomingRequest, transaction: ServerTransaction): void {
    const invite = this.#deps.findInviteServerTransaction(cancel, transaction.flow);
    const context = invite === undefined ? undefined : this.#invites.get(invite.id);
    if (context === undefined)
      return this.#answer(transaction, { status: 481, because: 'RFC 3261 §16.10 no matching INVITE' });
    transaction.respond(createResponse(cancel, 200));
    context.cancel();
  }

  /** §16.7 step 10 / RFC 3261 §13.2.2.4: the ACK for a 2xx is its own transaction, relayed statelessly. */
  onAck(ack: IncomingRequest, flow: Flow): void {
    this.#relayAck(ack, flow).catch((error: unknown) => {
      this.#deps.log.warn({ callId: safeCallId(ack), err: String(error) }, 'ACK not relayed');
    });
  }

  async #relayAck(ack: IncomingRequest, flow: Flow): Promise<void> {
    if (checkSyntax(ack, this.#deps.limits) !== undefined || ack.maxForwards === 0) return;
    const plan = this.#unsealed(planRoute(ack, this.#deps.local));
    const requestUri = effectiveUri(ack, plan);
    const routing =
      recordedDestination(plan, requestUri, flow) ??
      this.#deps.router.route({ request: ack, flow, requestUri, nextHop: plan.nextHop });
    // A decision that needed no I/O comes without a promise: await only one that did.
    const decision = routing instanceof Promise ? await routing : routing;
    const routed = decision.kind === 'forward' ? decision.targets[0] : undefined;
    if (routed === undefined) return;
    // F4: an ACK to a peer goes over that peer's connection, like the rest of its dialog.
    const target = flow.side === 'internal' ? namedPeer(routed, targetDomain(ack.to.uri)) : routed;
    const out = await this.#deps.flows.connect(target);
    const branch = forwardBranch(ack, loopKey(ack), 0);
    const listener = viaListener(target, out, this.#deps.local);
    const message = forwardRequest({
      request: ack,
      plan,
      requestUri: decision.kind === 'forward' ? (decision.requestUri ?? plan.requestUri) : plan.requestUri,
      recordRoute: [],
      via: { listener, protocol: target.protocol, branch },
    });
    if (flow.side === 'internal' && target.side === 'external') this.#deps.topology?.hideRequest(message, 0, listener);
    out.send(message.toBuffer());
  }

  /** §16.11 / §18.1.2: a response no transaction claims (a retransmitted 2xx) goes up statelessly if its top Via is the edge's. */
  onStrayResponse(response: IncomingResponse, flow: Flow): void {
    try {
      const [own, next] = response.vias;
      if (own === undefined || next === undefined || this.#deps.local.find(own.host, own.port) === undefined) return;
      // B3 (docs/SECURITY.md): only a Via the edge itself forwarded above may steer the response.
      if (!branchVouchesFor(own.branch, response.headers.values('via')[1]!, response.cseq.method)) {
        return this.#deps.log.debug(
          { callId: response.headers.get('call-id') },
          'stray response dropped: not a branch of this edge',
        );
      }
      const statusLine = response.text.slice(0, response.text.indexOf('\r\n'));
      const bytes = OutgoingMessage.copyOf(response, statusLine).removeFirstValue('Via').toBuffer();
      this.#deps.responses.sendByVia(bytes, next, otherSide(flow.side), response.headers.get('call-id'));
    } catch (error) {
      if (!isEdgeError(error)) throw error;
      this.#deps.log.debug({ err: error.message }, 'stray response dropped');
    }
  }

  #answer(transaction: ServerTransaction, answer: Answer): void {
    const request = transaction.request;
    if (transaction instanceof CrossingRecord) transaction.decision = answer.because;
    this.#deps.metrics.answeredAtEdge(answer.status, answer.because);
    if (lifecycle.decided.hasSubscribers)
      lifecycle.decided.publish({ request, transaction: transaction.id, decision: answer.because });
    this.#deps.log.info(
      {
        callId: safeCallId(request),
        transaction: transaction.id,
        method: request.method,
        status: answer.status,
        because: answer.because,
      },
      'answered at the edge',
    );
    const headers =
      answer.headers ?? (answer.reason === undefined ? [] : [['Warning', warning(answer.reason)] as const]);
    const options = {
      headers,
      ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      ...(answer.toTag === undefined ? {} : { toTag: answer.toTag }),
      ...(answer.body === undefined
        ? {}
        : { body: answer.body, ...(answer.contentType === undefined ? {} : { contentType: answer.contentType }) }),
    };
    try {
      transaction.respond(createResponse(request, answer.status, options));
    } catch (error) {
      this.#deps.log.debug(
        { callId: safeCallId(request), transaction: transaction.id, err: String(error) },
        'answer not sent',
      );
    }
  }
}

function safeCallId(request: IncomingRequest): string | undefined {
  return request.headers.get('call-id');
}
