// The RFC 3261 §16 stateful proxy, read top to bottom as the request route: validate (§16.3), answer
// CANCEL (§16.10), loop check, route (§16.4-16.5), then relay through a ForwardingContext (§16.6-16.7).
// ACKs for 2xx and stray responses are relayed statelessly (§16.7 step 10, §16.11).

import { isIpLiteral } from '../routing/hop-side.js';
import { createResponse } from '../sip/create-response.js';
import { isEdgeError } from '../errors.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { TransactionUser } from '../transaction/transaction-user.js';
import type { Flow } from '../transport/flow.js';
import { CrossingRecord, type AuditSink } from './border-audit.js';
import { branchVouchesFor, forwardBranch, isLoop, loopKey } from './branch.js';
import type { ImplicitAuthority } from './implicit-authority.js';
import { forwardRequest } from './forward-request.js';
import { ForwardingContext } from './forwarding-context.js';
import type { ProxyDeps } from './proxy-deps.js';
import { viaListener } from './record-route.js';
import type { ResponseDispatcher } from './response-dispatcher.js';
import { otherSide } from '../routing/resolve-target.js';
import type { RouteDecision, RouteTarget } from '../routing/route-types.js';
import { planRoute, type RoutePlan } from './route-set.js';
import { storeOutageAnswer } from './store-outage.js';
import { isSipUri, parseUri, type Uri } from '../sip/uri.js';
import type { Crossing } from '../policy/border-policy.js';
import type { HeaderEdit } from '../policy/rule.js';
import {
  checkMaxForwards,
  checkProxyRequire,
  checkSyntax,
  checkUriScheme,
  warning,
  type Answer,
} from './validate-request.js';

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

/** Seconds a client is asked to wait while the edge shuts down (O5). */
const SHUTDOWN_RETRY_AFTER_S = 5;
/** Seconds a client is asked to wait while the edge sheds load (Y4). */
const OVERLOAD_RETRY_AFTER_S = 2;

export class ProxyCore implements TransactionUser {
  #deps: ProxyCoreDeps;
  /** Relays of INVITEs in progress, by server transaction, so a CANCEL can find its INVITE. */
  readonly #invites = new Map<string, ForwardingContext>();
  /** O5: every request; while draining, only those of live dialogs and transactions; then none. */
  #accepting: 'all' | 'in-dialog' | 'none' = 'all';
  /** Requests without a final response yet (Y4 overload bound). */
  #pending = 0;

  constructor(deps: ProxyCoreDeps) {
    this.#deps = deps;
  }

  /**
   * O2: new requests meet these rules, routes and agreements; requests already being relayed keep
   * the ones they started with (their ForwardingContext holds them).
   */
  reconfigure(parts: Pick<ProxyCoreDeps, 'policy' | 'router' | 'authority' | 'federation'>): void {
    this.#deps = { ...this.#deps, ...parts };
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
    const transaction = new CrossingRecord(received, this.#deps, () => this.#pending--);
    this.#handle(request, transaction).catch((error: unknown) => {
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

  async #handle(request: IncomingRequest, transaction: CrossingRecord): Promise<void> {
    if (
      this.#accepting === 'none' ||
      (this.#accepting === 'in-dialog' && request.to.tag === undefined && request.method !== 'CANCEL')
    ) {
      return this.#answer(transaction, {
        status: 503,
        headers: [['Retry-After', String(SHUTDOWN_RETRY_AFTER_S)]],
        because: 'O5 shutting down',
      });
    }
    // Y4: past the bound, shed new work at once (RFC 3261 §21.5.4) rather than queue it into timeouts.
    const bound = this.#deps.maxPendingRequests;
    if (bound !== undefined && this.#pending > bound && request.method !== 'CANCEL') {
      return this.#answer(transaction, {
        status: 503,
        headers: [['Retry-After', String(OVERLOAD_RETRY_AFTER_S)]],
        because: 'Y4 overload',
      });
    }
    const invalid =
      checkSyntax(request, this.#deps.limits) ??
      checkUriScheme(request) ??
      checkMaxForwards(request) ??
      checkProxyRequire(request);
    if (invalid !== undefined) return this.#answer(transaction, invalid);
    if (request.method === 'CANCEL') return this.#cancel(request, transaction);
    if (request.method === 'INVITE') transaction.respond(createResponse(request, 100));
    const key = loopKey(request);
    if (isLoop(request, key, (host, port) => this.#deps.local.find(host, port) !== undefined)) {
      return this.#answer(transaction, { status: 482, because: 'S3 loop detected' });
    }
    const plan = this.#unsealed(planRoute(request, this.#deps.local));
    const requestUri = effectiveUri(request, plan);
    const arrival = transaction.flow;
    let crossing: Crossing | undefined;
    if (arrival.side === 'external') {
      const origin = this.#deps.authority?.attribute(request, arrival) ?? {
        kind: 'peer',
        peer: claimedDomain(request, arrival),
        authenticated: false,
      };
      if (origin.kind === 'refused') {
        // Counted and audited under who the connection proved to be, never the domain the peer wrote (B4).
        transaction.crossing = { direction: 'inbound', peer: arrival.peerIdentity?.[0] ?? 'unauthenticated' };
        return this.#answer(transaction, { status: 403, reason: origin.reason, because: 'F7 implicit authority' });
      }
      const refused = this.#federationRefusal(origin.peer, request);
      if (refused !== undefined) {
        transaction.crossing = { direction: 'inbound', peer: origin.peer };
        return this.#answer(transaction, refused);
      }
      crossing = { direction: 'inbound', peer: origin.peer };
      transaction.crossing = crossing;
    }
    const inboundEdits = crossing === undefined ? [] : await this.#checkPolicy(request, crossing, transaction);
    if (inboundEdits === undefined) return;
    const decision =
      recordedDestination(plan, requestUri, arrival) ??
      (await this.#deps.router.route({ request, flow: arrival, requestUri, nextHop: plan.nextHop }));
    if (decision.kind === 'reply') {
      this.#answer(transaction, decision);
      return decision.afterAnswer?.();
    }
    if (crossing === undefined && decision.targets.some((t) => t.side === 'external')) {
      // Inside a dialog the Request-URI is the far end's Contact (often an address); its To names the peer.
      const named = request.to.tag === undefined ? requestUri : request.to.uri;
      crossing = { direction: 'outbound', peer: decision.targets[0]?.servername ?? targetDomain(named) };
      transaction.crossing = crossing;
      const foreign = this.#foreignOrigin(request);
      if (foreign !== undefined)
        return this.#answer(transaction, {
          status: 403,
          reason: `From Domain ${foreign} Not Served Here`,
          because: 'F7 outbound origin',
        });
    }
    const outboundEdits =
      crossing?.direction === 'outbound' ? await this.#checkPolicy(request, crossing, transaction) : [];
    if (outboundEdits === undefined) return;
    const targets = crossing?.direction === 'outbound' ? namePeer(decision.targets, crossing.peer) : decision.targets;
    const context = new ForwardingContext(this.#deps, {
      serverTransaction: transaction,
      targets,
      requestUri: decision.requestUri ?? plan.requestUri,
      plan,
      loopKey: key,
      crossing,
      edits: [...inboundEdits, ...outboundEdits],
    });
    if (request.method === 'INVITE') {
      this.#invites.set(transaction.id, context);
      transaction.onTerminated(() => this.#invites.delete(transaction.id));
    }
    context.start();
  }

  /**
   * F7 outbound (RFC 5922 §7.2 seen from the other side): a peer attributes what arrives on our flow to
   * the domains our certificate covers, so only the domains this edge serves may appear in From. The
   * foreign domain, or undefined when the origin is ours (or not a SIP address to judge).
   */
  #foreignOrigin(request: IncomingRequest): string | undefined {
    const served = this.#deps.servedDomains;
    const from = request.from.uri;
    if (served === undefined || !isSipUri(from)) return undefined;
    const domain = from.host.toLowerCase();
    return served.has(domain) ? undefined : domain;
  }

  /**
   * Run the border policy for a request crossing the border. Returns the edits to apply when it may
   * go on, or undefined when a rule answered it here (reply, or absorb: a success and no relay).
   */
  async #checkPolicy(
    request: IncomingRequest,
    crossing: Crossing,
    transaction: ServerTransaction,
  ): Promise<readonly HeaderEdit[] | undefined> {
    const policy = this.#deps.policy;
    if (policy === undefined) return [];
    const outcome = await policy.checkRequest(request, crossing);
    const verdict = outcome.verdict;
    if (verdict.kind !== 'reply' && verdict.kind !== 'absorb') return outcome.edits;
    const because = `${outcome.decidedBy?.id ?? 'policy'} ${outcome.decidedBy?.name ?? ''}`.trim();
    const headers = verdict.headers;
    this.#answer(transaction, {
      status: verdict.status,
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      ...(headers === undefined ? {} : { headers }),
      because,
    });
    return undefined;
  }

  /** D1: the peer a request is attributed to, and the domain its From claims, must both be admitted. */
  #federationRefusal(peer: string, request: IncomingRequest): Answer | undefined {
    const gate = this.#deps.federation;
    if (gate === undefined) return undefined;
    const from = request.from.uri;
    const claimed = isSipUri(from) ? from.host.toLowerCase() : undefined;
    for (const domain of new Set([peer, claimed])) {
      if (domain === undefined || gate.isOwn(domain) || isIpLiteral(domain)) continue;
      const refusal = gate.refusal(domain);
      if (refusal !== undefined)
        return { status: refusal.status, reason: refusal.reason, because: `D1 ${refusal.code}` };
    }
    return undefined;
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
    const decision =
      recordedDestination(plan, effectiveUri(ack, plan), flow) ??
      (await this.#deps.router.route({
        request: ack,
        flow,
        requestUri: effectiveUri(ack, plan),
        nextHop: plan.nextHop,
      }));
    const routed = decision.kind === 'forward' ? decision.targets[0] : undefined;
    if (routed === undefined) return;
    // F4: an ACK to a peer goes over that peer's connection, like the rest of its dialog.
    const target = flow.side === 'internal' ? (namePeer([routed], targetDomain(ack.to.uri))[0] ?? routed) : routed;
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

/**
 * An in-dialog request follows a Route to an address; the peer it goes to is the one its To names.
 * Naming it lets the peers layer send it over that peer's open connection (F4) and check the
 * certificate against it (RFC 5922), as for a request routed by domain.
 */
function namePeer(targets: readonly RouteTarget[], peer: string): readonly RouteTarget[] {
  if (isIpLiteral(peer) || !peer.includes('.')) return targets;
  return targets.map((t) => (t.side === 'external' && t.servername === undefined ? { ...t, servername: peer } : t));
}

/**
 * B3: a peer's request inside a dialog a community client started goes to the client's Contact (RFC
 * 3261 §12.2) only when the Contact names the host the dialog came from, as the edge's own Record-Route
 * entry recorded it (flow-token.ts); otherwise (a NAT, or a Contact naming somebody else) back over the
 * recorded flow. Never to another host. Undefined when the route set carries no token or more Routes follow.
 */
function recordedDestination(plan: RoutePlan, requestUri: Uri, arrival: Flow): RouteDecision | undefined {
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

function effectiveUri(request: IncomingRequest, plan: RoutePlan): Uri {
  return plan.requestUri === request.requestUriText ? request.requestUri : parseUri(plan.requestUri);
}

/** The domain a request claims to come from, when no ImplicitAuthority is configured (tests). */
function claimedDomain(request: IncomingRequest, flow: Flow): string {
  const from = request.from.uri;
  return isSipUri(from) ? from.host.toLowerCase() : (flow.peerIdentity?.[0] ?? flow.remote.address);
}

function targetDomain(uri: Uri): string {
  return isSipUri(uri) ? uri.host.toLowerCase() : uri.scheme;
}

function safeCallId(request: IncomingRequest): string | undefined {
  return request.headers.get('call-id');
}
