// One request being relayed (RFC 3261 §16.6-16.8): its targets tried in turn, the responses that
// come back, the provisionals and 2xx relayed at once, the best final chosen at the end, and CANCEL.
// It is also one branch of a forked request (SPEC I5, fork-context.ts): it then reports to the fork,
// which decides what goes upstream, instead of answering the server transaction itself.

import { parseRetryAfter } from '../sip/retry-after.js';
import { isSipUri } from '../sip/uri.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { RouteTarget } from '../routing/route-types.js';
import type { ClientTransaction } from '../transaction/client-transaction.js';
import type { Flow } from '../transport/flow.js';
import type { Timer } from '../clock/clock.js';
import { bestOutcome, bestStatus, isFailoverStatus, type BranchOutcome } from './best-response.js';
import { forwardBranch } from './branch.js';
import { createCancel } from './create-cancel.js';
import { forwardRequest } from './forward-request.js';
import type { HeaderEdit } from '../policy/rule.js';
import { recordRouteEntries, viaListener } from './record-route.js';
import type { ProxyDeps } from './proxy-deps.js';
import type { RoutePlan } from './route-set.js';
import { answerForTargets, relayFinalResponse, relayResponse, type UpstreamSide } from './upstream-relay.js';

/** RFC 3261 §16.6 step 11: timer C bounds how long an INVITE branch may stay in Proceeding. */
const TIMER_C_MS = 180_000;

export interface ForwardingInput extends UpstreamSide {
  readonly targets: readonly RouteTarget[];
  readonly requestUri: string;
  readonly plan: RoutePlan;
  readonly loopKey: string;
  /** Header changes the border policy asked for. */
  readonly edits: readonly HeaderEdit[];
}

/** A relay the proxy core starts and an upstream CANCEL reaches: one target list, or a fork (I5). */
export interface Relay {
  start(): void;
  /** RFC 3261 §16.10: stop trying, and CANCEL what is pending. */
  cancel(): void;
}

/** What one branch ended with; the response when it came from downstream. */
export type ForwardedOutcome = BranchOutcome & { readonly response?: IncomingResponse };

/** I5: where a branch of a forked request reports instead of answering upstream (fork-context.ts). */
export interface ForkParent {
  /** A provisional response other than 100 (§16.7 step 5). */
  provisional(response: IncomingResponse): void;
  /** A 2xx: the branch is done. */
  succeeded(branch: ForwardingContext, response: IncomingResponse): void;
  /** The branch ended without a 2xx: its best outcome as it arrived (§16.7 step 6 among its targets). */
  ended(branch: ForwardingContext, outcome: ForwardedOutcome): void;
}

/** I5: a branch's place in its fork: the parent, and where its Via branch numbers start. */
export interface ForkPlace {
  readonly parent: ForkParent;
  readonly firstAttempt: number;
}

export class ForwardingContext implements Relay {
  readonly #deps: ProxyDeps;
  readonly #input: ForwardingInput;
  readonly #request: IncomingRequest;
  readonly #outcomes: ForwardedOutcome[] = [];
  /** Set when this is one branch of a fork (I5); undefined on the one-target path. */
  readonly #fork: ForkPlace | undefined;
  #attempt = 0;
  /** Flows this request went out on: a failover must not land on the same shared connection (F4, D2). */
  readonly #triedFlows = new Set<string>();
  /**
   * Servers (address and port) a request was sent to: one that answered is not asked again over
   * another connection. Kept from the second attempt on: the first has nothing to avoid.
   */
  #triedServers: Set<string> | undefined;
  #firstTarget: RouteTarget | undefined;
  #firstFlow: Flow | undefined;
  #current: ClientTransaction | undefined;
  #currentTarget: RouteTarget | undefined;
  #timerC: Timer | undefined;
  #finalSent = false;
  #cancelled = false;
  #cancelSent = false;

  constructor(deps: ProxyDeps, input: ForwardingInput, fork?: ForkPlace) {
    this.#deps = deps;
    this.#input = input;
    this.#request = input.serverTransaction.request;
    this.#fork = fork;
  }

  start(): void {
    this.#next();
  }

  /** Try the next target; a failure of the edge's own making answers 500 rather than escaping. */
  #next(): void {
    this.#tryNext().catch((error: unknown) => {
      this.#deps.log.error(
        { callId: this.#request.callId, transaction: this.#input.serverTransaction.id, err: error },
        'relay failed',
      );
      this.#outcomes.push({ status: 500, fromDownstream: false });
      this.#finish();
    });
  }

  /** RFC 3261 §16.10: stop trying, and CANCEL the pending INVITE branch once it may be cancelled. */
  cancel(): void {
    this.#cancelled = true;
    this.#cancelPending();
  }

  async #tryNext(): Promise<void> {
    const target = this.#input.targets[this.#attempt];
    if (this.#cancelled || this.#finalSent || target === undefined) return this.#finish();
    const attempt = this.#attempt++;
    // D2 (RFC 3263 §4.3): failing over means another server. A peer's flow may already have carried the
    // request to this target's server (flows to a peer are shared, F4); asking it again is no failover.
    if (attempt > 0 && this.#servers().has(serverKey(target))) return this.#next();
    let flow: Flow;
    try {
      flow = await this.#deps.flows.connect(withLocalDomain(target, this.#request), { avoid: this.#triedFlows });
    } catch (error) {
      this.#deps.log.debug(
        { callId: this.#request.callId, transaction: this.#input.serverTransaction.id, target, err: String(error) },
        'target unreachable, trying the next (D2)',
      );
      this.#deps.router.reportFailure?.(target, {});
      this.#outcomes.push({ status: 503, fromDownstream: false });
      return this.#next();
    }
    this.#triedFlows.add(flow.id);
    if (this.#triedServers === undefined && attempt === 0) {
      this.#firstTarget = target;
      this.#firstFlow = flow;
    } else this.#noteServers(this.#servers(), target, flow);
    this.#send(flow, target, attempt);
  }

  /** The servers tried so far; the first attempt's are noted only once a second attempt asks. */
  #servers(): Set<string> {
    if (this.#triedServers !== undefined) return this.#triedServers;
    const servers = new Set<string>();
    if (this.#firstTarget !== undefined) this.#noteServers(servers, this.#firstTarget, this.#firstFlow!);
    return (this.#triedServers = servers);
  }

  #noteServers(servers: Set<string>, target: RouteTarget, flow: Flow): void {
    servers.add(serverKey(target));
    servers.add(serverKey(flow.remote)); // a shared flow's server may be another target's
  }

  #send(flow: Flow, target: RouteTarget, attempt: number): void {
    const request = this.#request;
    const branch = forwardBranch(request, this.#input.loopKey, attempt + (this.#fork?.firstAttempt ?? 0));
    const arrival = this.#input.serverTransaction.flow;
    const recordRoute = recordRouteEntries(request, arrival, target, this.#deps.local);
    const listener = viaListener(target, flow, this.#deps.local);
    const out = forwardRequest({
      request,
      plan: this.#input.plan,
      requestUri: this.#input.requestUri,
      recordRoute,
      via: { listener, protocol: target.protocol, branch },
      edits: this.#input.edits,
    });
    if (this.#hidesRequest) this.#deps.topology!.hideRequest(out, recordRoute.length, listener);
    this.#currentTarget = target;
    this.#current = this.#deps.transactions.sendRequest({
      request: out,
      branch,
      flow,
      method: request.method,
      handlers: {
        onResponse: (response) => this.#onResponse(response),
        onTimeout: () => this.#onBranchFailed(408),
        onTransportError: () => this.#onBranchFailed(503),
      },
    });
    if (request.method === 'INVITE') this.#timerC = this.#deps.clock.setTimer(TIMER_C_MS, () => this.#onTimerC());
  }

  #onResponse(response: IncomingResponse): void {
    const status = response.status;
    if (status < 200) {
      if (this.#cancelled) this.#cancelPending();
      if (status > 100 && !this.#finalSent) {
        if (this.#fork === undefined) relayResponse(this.#deps, this.#input, response);
        else this.#fork.parent.provisional(response);
      }
      return;
    }
    this.#timerC?.cancel();
    if (status < 300) {
      this.#finalSent = true;
      if (this.#fork === undefined) void relayFinalResponse(this.#deps, this.#input, response);
      else this.#fork.parent.succeeded(this, response);
      return;
    }
    this.#outcomes.push({ status, fromDownstream: true, response });
    if (status >= 600 || !isFailoverStatus(status)) return this.#finish();
    if (status === 503) this.#reportFailure(retryAfterMs(response));
    this.#next();
  }

  #onBranchFailed(status: number): void {
    this.#timerC?.cancel();
    this.#reportFailure(undefined);
    this.#outcomes.push({ status, fromDownstream: false });
    this.#next();
  }

  /** D2: the router avoids a failed target for a back-off period (longer when Retry-After says so). */
  #reportFailure(retryAfter: number | undefined): void {
    const target = this.#currentTarget;
    if (target !== undefined)
      this.#deps.router.reportFailure?.(target, retryAfter === undefined ? {} : { retryAfterMs: retryAfter });
  }

  #onTimerC(): void {
    // §16.8: a branch that got a provisional is cancelled; one that got nothing counts as timed out.
    if (this.#current?.receivedProvisional) {
      this.#cancelled = true;
      this.#cancelPending();
    } else {
      this.#current?.terminate();
      this.#onBranchFailed(408);
    }
  }

  #cancelPending(): void {
    const branch = this.#current;
    if (this.#cancelSent || branch === undefined || branch.method !== 'INVITE' || !branch.receivedProvisional) return;
    this.#cancelSent = true;
    const noop = (): void => undefined;
    this.#deps.transactions.sendRequest({
      request: createCancel(branch.request),
      branch: branch.branch,
      flow: branch.flow,
      method: 'CANCEL',
      handlers: { onResponse: noop, onTimeout: noop, onTransportError: noop },
    });
  }

  /** §16.7 steps 6-8: every target has been tried; send the best final response upstream, or to the fork. */
  #finish(): void {
    if (this.#finalSent) return;
    this.#finalSent = true;
    if (this.#fork !== undefined) return this.#fork.parent.ended(this, this.#branchOutcome());
    const status = this.#cancelled && this.#outcomes.length === 0 ? 487 : bestStatus(this.#outcomes);
    const downstream = this.#outcomes.find((o) => o.status === status && o.response !== undefined)?.response;
    if (downstream !== undefined) return void relayFinalResponse(this.#deps, this.#input, downstream);
    answerForTargets(this.#deps, this.#input, status, this.#outcomes);
  }

  /** I5: what this branch tells its fork: its best outcome as it arrived; 487 when cancelled before trying. */
  #branchOutcome(): ForwardedOutcome {
    return bestOutcome(this.#outcomes) ?? { status: this.#cancelled ? 487 : 503, fromDownstream: false };
  }

  /** I4: true when the request leaves the community with topology hiding on. */
  get #hidesRequest(): boolean {
    return this.#deps.topology !== undefined && this.#input.crossing?.direction === 'outbound';
  }
}

function retryAfterMs(response: IncomingResponse): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  try {
    return parseRetryAfter(value).seconds * 1000;
  } catch {
    return undefined;
  }
}

/** SPEC F3: towards a peer over TLS, the edge speaks for the domain the request is from (F7 keeps it ours). */
function withLocalDomain(
  target: RouteTarget,
  request: IncomingRequest,
): RouteTarget & { readonly localDomain?: string } {
  if (target.side !== 'external' || target.protocol !== 'tls') return target;
  const from = request.from.uri;
  return isSipUri(from) ? { ...target, localDomain: from.host.toLowerCase() } : target;
}

function serverKey(server: { readonly address: string; readonly port: number }): string {
  return `${server.address} ${server.port}`;
}
