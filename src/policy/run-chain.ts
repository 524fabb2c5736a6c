// Running a chain: rules in order, the first reply or absorb stops it (as Kamailio's request_route
// stops at sl_send_reply; exit), edits accumulate. A rule in shadow mode decides as usual, but its
// decision is only recorded, never applied: an operator turns new limits on in shadow first. What a
// decision changes (effects.ts) is applied here, right after it, in both modes (effects.ts says why).
//
// A chain runs on every request crossing the border, so it is prepared once per policy: per method,
// the rules that look at that method and are not off, each with its mode. Running it is then a walk
// down a short array with no look-ups.

import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { applyEffects, type Effect } from './effects.js';
import type { PolicyContext } from './policy-context.js';
import type { HeaderEdit, RequestRule, ResponseRule, Verdict } from './rule.js';

export type RuleMode = 'enforce' | 'shadow' | 'off';

export interface DecisionObserver {
  /** Every verdict other than pass, applied (enforce) or not (shadow). */
  decided(decision: {
    rule: RequestRule | ResponseRule;
    verdict: Verdict;
    mode: RuleMode;
    request: IncomingRequest;
    context: PolicyContext;
  }): void;
  /** P7, P8: a decision counted a violation by the context's peer (effects.ts). */
  violated?(violation: {
    rule: RequestRule | ResponseRule;
    spec: 'P7' | 'P8';
    request: IncomingRequest;
    context: PolicyContext;
  }): void;
}

export interface ChainOptions {
  modeOf(rule: RequestRule | ResponseRule): RuleMode;
  readonly observer: DecisionObserver;
}

export interface ChainOutcome {
  /** pass, or the reply/absorb that stopped the chain. */
  readonly verdict: Verdict;
  /** Edits from every rule that passed with edits, in chain order. */
  readonly edits: readonly HeaderEdit[];
  /** The rule whose reply or absorb stopped the chain. */
  readonly decidedBy?: { readonly id: string; readonly name: string };
}

export interface ChainStep<R extends RequestRule | ResponseRule> {
  readonly rule: R;
  readonly mode: 'enforce' | 'shadow';
}

/** A chain prepared for running: for each method, the steps that apply to it. */
export class PreparedChain<R extends RequestRule | ResponseRule> {
  readonly #byMethod = new Map<string, ReadonlyArray<ChainStep<R>>>();
  /** For methods no rule names: the rules that look at every method. */
  readonly #anyMethod: ReadonlyArray<ChainStep<R>>;

  constructor(rules: readonly R[], modeOf: (rule: R) => RuleMode) {
    const steps: Array<ChainStep<R>> = [];
    for (const rule of rules) {
      const mode = modeOf(rule);
      if (mode !== 'off') steps.push({ rule, mode });
    }
    this.#anyMethod = steps.filter((step) => step.rule.methods === undefined);
    for (const method of new Set(steps.flatMap((step) => step.rule.methods ?? []))) {
      this.#byMethod.set(
        method,
        steps.filter((step) => step.rule.methods === undefined || step.rule.methods.includes(method)),
      );
    }
  }

  stepsFor(method: string): ReadonlyArray<ChainStep<R>> {
    return this.#byMethod.get(method) ?? this.#anyMethod;
  }
}

const PASSED: ChainOutcome = Object.freeze({
  verdict: Object.freeze({ kind: 'pass' }) as Verdict,
  edits: Object.freeze([]) as readonly HeaderEdit[],
});

/** Run a request chain as written (tests, one-off checks); BorderPolicy prepares its chains once. */
export function runRequestChain(
  rules: readonly RequestRule[],
  request: IncomingRequest,
  context: PolicyContext,
  options: ChainOptions,
): Promise<ChainOutcome> {
  return runRequestSteps(
    new PreparedChain(rules, options.modeOf).stepsFor(request.method),
    request,
    context,
    options.observer,
  );
}

export function runResponseChain(
  rules: readonly ResponseRule[],
  request: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
  options: ChainOptions,
): Promise<ChainOutcome> {
  return runResponseSteps(
    new PreparedChain(rules, options.modeOf).stepsFor(request.method),
    request,
    response,
    context,
    options.observer,
  );
}

export function runRequestSteps(
  steps: ReadonlyArray<ChainStep<RequestRule>>,
  request: IncomingRequest,
  context: PolicyContext,
  observer: DecisionObserver,
): Promise<ChainOutcome> {
  return runSteps(steps, (rule) => rule.check(request, context), request, context, observer);
}

export function runResponseSteps(
  steps: ReadonlyArray<ChainStep<ResponseRule>>,
  request: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
  observer: DecisionObserver,
): Promise<ChainOutcome> {
  return runSteps(steps, (rule) => rule.check(request, response, context), request, context, observer);
}

async function runSteps<R extends RequestRule | ResponseRule>(
  steps: ReadonlyArray<ChainStep<R>>,
  check: (rule: R) => Verdict | Promise<Verdict>,
  request: IncomingRequest,
  context: PolicyContext,
  observer: DecisionObserver,
): Promise<ChainOutcome> {
  let edits: HeaderEdit[] | undefined;
  for (const { rule, mode } of steps) {
    // Most rules decide synchronously; awaiting only real promises spares a microtask per rule.
    const decided = check(rule);
    const verdict = decided instanceof Promise ? await decided : decided;
    if (verdict.effects !== undefined) {
      const applied = apply(verdict.effects, rule, request, context, observer);
      if (applied !== undefined) await applied;
    }
    if (verdict.kind === 'pass') continue;
    observer.decided({ rule, verdict, mode, request, context });
    if (mode === 'shadow') continue;
    if (verdict.kind === 'edit') (edits ??= []).push(...verdict.edits);
    else return { verdict, edits: edits ?? [], decidedBy: { id: rule.id, name: rule.name } };
  }
  return edits === undefined ? PASSED : { verdict: PASSED.verdict, edits };
}

function apply(
  effects: readonly Effect[],
  rule: RequestRule | ResponseRule,
  request: IncomingRequest,
  context: PolicyContext,
  observer: DecisionObserver,
): Promise<void> | undefined {
  return applyEffects(effects, {
    subscriptions: context.subscriptions,
    violation: (spec) => observer.violated?.({ rule, spec, request, context }),
  });
}

/**
 * One rule's decision with its effects applied, as the runner does: for tests and benchmarks that
 * drive a single rule. The verdict comes back without its effects.
 */
export async function decideRequest(
  rule: RequestRule,
  request: IncomingRequest,
  context: PolicyContext,
  observer: DecisionObserver = { decided: () => undefined },
): Promise<Verdict> {
  const { effects, ...verdict } = await rule.check(request, context);
  if (effects !== undefined) await apply(effects, rule, request, context, observer);
  return verdict as Verdict;
}
