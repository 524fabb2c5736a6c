// Running a chain: rules in order, the first reply or absorb stops it (as Kamailio's request_route
// stops at sl_send_reply; exit), edits accumulate. A rule in shadow mode decides as usual, but its
// decision is only recorded, never applied: an operator turns new limits on in shadow first.

import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { PolicyContext } from './policy-context.js';
import type { HeaderEdit, RequestRule, ResponseRule, Verdict } from './rule.js';

export type RuleMode = 'enforce' | 'shadow' | 'off';

export interface DecisionObserver {
  /** Every verdict other than pass, applied (enforce) or not (shadow). */
  decided(decision: { rule: RequestRule | ResponseRule; verdict: Verdict; mode: RuleMode; request: IncomingRequest; context: PolicyContext }): void;
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

const PASSED: ChainOutcome = Object.freeze({ verdict: Object.freeze({ kind: 'pass' }) as Verdict, edits: Object.freeze([]) as readonly HeaderEdit[] });

export async function runRequestChain(rules: readonly RequestRule[], request: IncomingRequest, context: PolicyContext, options: ChainOptions): Promise<ChainOutcome> {
  return run(rules, request, context, options, (rule) => rule.check(request, context));
}

export async function runResponseChain(rules: readonly ResponseRule[], request: IncomingRequest, response: IncomingResponse, context: PolicyContext, options: ChainOptions): Promise<ChainOutcome> {
  return run(rules, request, context, options, (rule) => rule.check(request, response, context));
}

async function run<R extends RequestRule | ResponseRule>(
  rules: readonly R[], request: IncomingRequest, context: PolicyContext, options: ChainOptions, check: (rule: R) => Verdict | Promise<Verdict>,
): Promise<ChainOutcome> {
  let edits: HeaderEdit[] | undefined;
  for (const rule of rules) {
    if (rule.methods !== undefined && !rule.methods.includes(request.method)) continue;
    const mode = options.modeOf(rule);
    if (mode === 'off') continue;
    // Most rules decide synchronously; awaiting only real promises spares a microtask per rule.
    const decided = check(rule);
    const verdict = decided instanceof Promise ? await decided : decided;
    if (verdict.kind === 'pass') continue;
    options.observer.decided({ rule, verdict, mode, request, context });
    if (mode === 'shadow') continue;
    if (verdict.kind === 'edit') (edits ??= []).push(...verdict.edits);
    else return { verdict, edits: edits ?? [], decidedBy: { id: rule.id, name: rule.name } };
  }
  return edits === undefined ? PASSED : { verdict: PASSED.verdict, edits };
}
