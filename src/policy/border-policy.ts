// The policy layer as the proxy sees it: given a request crossing the border (direction and peer),
// build the rules' context, run the chain for that phase, and make every decision observable — a
// metric simple_edge_policy_decisions_total{rule,verdict,peer} and one log line with the Call-ID.

import type { PolicyDocument } from '../config/policy-document.js';
import type { Logger } from '../observability/logger.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { StateStore, StoreOperations } from '../state/state-store.js';
import type { PolicyChains } from './chains.js';
import type { CommunityFacts, Direction, PolicyContext } from './policy-context.js';
import type { PolicyLimits } from './policy-limits.js';
import { RequestAddresses } from './request-addresses.js';
import type { RequestRule, ResponseRule, Verdict } from './rule.js';
import type { SubscriptionTracker } from './subscriptions/subscription-tracker.js';
import {
  PreparedChain,
  runRequestSteps,
  runResponseSteps,
  type ChainOutcome,
  type DecisionObserver,
  type RuleMode,
} from './run-chain.js';

export interface Crossing {
  readonly direction: Direction;
  /** The peer community's domain. */
  readonly peer: string;
}

export interface PeerLimits {
  readonly limits: PolicyLimits;
  /** No agreement covers the peer (Y1 stricter defaults). */
  readonly discovered: boolean;
}

export interface DecisionCounter {
  inc(labels: { rule: string; verdict: string; peer: string }): void;
}

export interface BorderPolicyOptions {
  readonly chains: PolicyChains;
  readonly store: StateStore;
  readonly localDomains: ReadonlySet<string>;
  /** P3 and X2: built by createCommunityFacts from config `policy`. */
  readonly community: CommunityFacts;
  /** P7, P8, P9, X3: the subscription dialog tracker; without one those rules pass everything. */
  readonly subscriptions?: SubscriptionTracker;
  limitsFor(peer: string): PeerLimits;
  /** enforce unless configured otherwise, by rule name; asked once per rule when the policy is built. */
  modeOf(ruleName: string): RuleMode;
  readonly decisions: DecisionCounter;
  /** G2: a peer's published policy document, when one was fetched. */
  peerPolicyOf?(peer: string): PolicyDocument | undefined;
  readonly log: Logger;
  readonly now?: () => number;
}

export class BorderPolicy {
  readonly #options: BorderPolicyOptions;
  /** The chains prepared once: a rule's mode is fixed for this policy's life (a reload builds a new one). */
  readonly #inbound: PreparedChain<RequestRule>;
  readonly #outbound: PreparedChain<RequestRule>;
  readonly #response: PreparedChain<ResponseRule>;
  readonly #observer: DecisionObserver;
  /** The store as the rules use it: its immediate face when it has one (state-store.ts says why). */
  readonly #store: StoreOperations;
  readonly #addresses = new RequestAddresses();

  constructor(options: BorderPolicyOptions) {
    this.#options = options;
    this.#store = options.store.immediate ?? options.store;
    const modeOf = (rule: RequestRule | ResponseRule): RuleMode => options.modeOf(rule.name);
    this.#inbound = new PreparedChain(options.chains.inboundRequest, modeOf);
    this.#outbound = new PreparedChain(options.chains.outboundRequest, modeOf);
    this.#response = new PreparedChain(options.chains.response, modeOf);
    this.#observer = {
      decided: (decision) =>
        this.#record(decision.rule, decision.verdict, decision.mode, decision.request, decision.context),
      violated: ({ rule, spec, request, context }) => {
        // P7, P8: counted beside the rule's decisions (verdict `violation`), whether or not it refused.
        options.decisions.inc({ rule: rule.name, verdict: 'violation', peer: context.peer });
        options.log.info(
          { callId: request.headers.get('call-id'), rule: rule.name, spec, peer: context.peer },
          'peer violation',
        );
      },
    };
  }

  /**
   * Whether any request rule applies to this method in this direction; none does when every rule is
   * off (policy.mode: off). The request route then skips the chain, and the promise it would cost.
   */
  checksRequests(method: string, direction: Crossing['direction']): boolean {
    return (direction === 'inbound' ? this.#inbound : this.#outbound).stepsFor(method).length > 0;
  }

  checkRequest(request: IncomingRequest, crossing: Crossing): Promise<ChainOutcome> {
    const chain = crossing.direction === 'inbound' ? this.#inbound : this.#outbound;
    return runRequestSteps(chain.stepsFor(request.method), request, this.#context(crossing), this.#observer);
  }

  checkResponse(request: IncomingRequest, response: IncomingResponse, crossing: Crossing): Promise<ChainOutcome> {
    return runResponseSteps(
      this.#response.stepsFor(request.method),
      request,
      response,
      this.#context(crossing),
      this.#observer,
    );
  }

  #context(crossing: Crossing): PolicyContext {
    const { limits, discovered } = this.#options.limitsFor(crossing.peer);
    const peerPolicy = crossing.direction === 'outbound' ? this.#options.peerPolicyOf?.(crossing.peer) : undefined;
    return {
      direction: crossing.direction,
      peer: crossing.peer,
      discovered,
      localDomains: this.#options.localDomains,
      limits: peerPolicy === undefined ? limits : withinPeerPolicy(limits, peerPolicy),
      community: this.#options.community,
      store: this.#store,
      addresses: this.#addresses,
      now: this.#options.now ?? Date.now,
      ...(this.#options.subscriptions === undefined ? {} : { subscriptions: this.#options.subscriptions }),
      ...(peerPolicy === undefined ? {} : { peerPolicy }),
    };
  }

  #record(
    rule: RequestRule | ResponseRule,
    verdict: Verdict,
    mode: RuleMode,
    request: IncomingRequest,
    context: PolicyContext,
  ): void {
    const label = verdictLabel(verdict);
    this.#options.decisions.inc({
      rule: rule.name,
      verdict: mode === 'shadow' ? `shadow-${label}` : label,
      peer: context.peer,
    });
    this.#options.log.info(
      {
        callId: request.headers.get('call-id'),
        method: request.method,
        rule: rule.name,
        spec: rule.id,
        verdict: label,
        shadow: mode === 'shadow',
        direction: context.direction,
        peer: context.peer,
      },
      mode === 'shadow' ? 'policy decision (shadow: not applied)' : 'policy decision',
    );
  }
}

/** reply-423, absorb-200, edit: a bounded label. */
export function verdictLabel(verdict: Verdict): string {
  return verdict.kind === 'reply' || verdict.kind === 'absorb' ? `${verdict.kind}-${verdict.status}` : verdict.kind;
}

/** G2: towards a peer that published a longer NOTIFY interval, our presence server is paced at it. */
function withinPeerPolicy(limits: PolicyLimits, peer: PolicyDocument): PolicyLimits {
  const interval = Math.max(limits.notifyIntervalSeconds, peer.notify.minIntervalSeconds);
  return interval === limits.notifyIntervalSeconds ? limits : { ...limits, notifyIntervalSeconds: interval };
}
