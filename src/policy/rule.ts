// The policy contract (SPEC G1, P, M, S, X, Y): a rule is a small object naming the SPEC ID it
// implements and deciding, from the request and what its context hands it, whether the request
// passes. Verdicts are values; rules never throw to reject and never touch sockets, DNS or timers.

import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { Effect } from './effects.js';
import type { PolicyContext } from './policy-context.js';
import type { SpecId } from './spec-id.js';

export type RequestPhase = 'inbound-request' | 'outbound-request';
export type Phase = RequestPhase | 'response';

export type HeaderEdit =
  | { readonly op: 'set'; readonly name: string; readonly value: string }
  /** One more line of the header, after those already there (credentials for another realm kept). */
  | { readonly op: 'append'; readonly name: string; readonly value: string }
  | { readonly op: 'remove'; readonly name: string };

/** What the decision changes (effects.ts); the chain runner applies it right after the decision. */
interface WithEffects {
  readonly effects?: readonly Effect[];
}

export type Verdict =
  /** Let the request go on to the next rule. */
  (
    | { readonly kind: 'pass' }
    /** Answer at the edge with this status and stop the chain. */
    | {
        readonly kind: 'reply';
        readonly status: number;
        readonly reason?: string;
        readonly headers?: ReadonlyArray<readonly [string, string]>;
      }
    /**
     * Answer at the edge with a success and discard the request (confidential mode, NOTIFY pacing). In
     * the response chain, reply and absorb replace the response that came back (Y3 confidential mode).
     */
    | {
        readonly kind: 'absorb';
        readonly status: number;
        readonly reason?: string;
        readonly headers?: ReadonlyArray<readonly [string, string]>;
      }
    /** Let the request pass with these header edits (Accept added, a trust header stripped …). */
    | { readonly kind: 'edit'; readonly edits: readonly HeaderEdit[] }
  ) &
    WithEffects;

export const pass = (): Verdict => PASS;
const PASS: Verdict = Object.freeze({ kind: 'pass' });

export function reply(status: number, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): Verdict {
  return {
    kind: 'reply',
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** Headers: what a success must carry (a 200 to SUBSCRIBE: Expires, Contact; RFC 6665 §4.2.1.1). */
export function absorb(status = 200, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): Verdict {
  return {
    kind: 'absorb',
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(headers === undefined ? {} : { headers }),
  };
}

export function edit(...edits: HeaderEdit[]): Verdict {
  return { kind: 'edit', edits };
}

/** The verdict, with what deciding it changes. */
export function withEffects(verdict: Verdict, ...effects: Effect[]): Verdict {
  return { ...verdict, effects };
}

/**
 * A request rule for one chain. The phase literal is load-bearing: an `OutboundRequestRule` is not an
 * `InboundRequestRule`, so a rule put in the wrong chain (chains.ts) does not compile.
 */
export interface RequestRule<P extends RequestPhase = RequestPhase> {
  readonly id: SpecId;
  readonly name: string;
  readonly phase: P;
  /** Methods the rule looks at; all when absent. */
  readonly methods?: readonly string[];
  check(request: IncomingRequest, context: PolicyContext): Verdict | Promise<Verdict>;
}

export type InboundRequestRule = RequestRule<'inbound-request'>;
export type OutboundRequestRule = RequestRule<'outbound-request'>;

export interface ResponseRule {
  readonly id: SpecId;
  readonly name: string;
  readonly phase: 'response';
  readonly methods?: readonly string[];
  /** Learn from a final response (604 cache, 4xx memory) or edit it (granted Expires). */
  check(request: IncomingRequest, response: IncomingResponse, context: PolicyContext): Verdict | Promise<Verdict>;
}

export type Rule = RequestRule | ResponseRule;

export function defineRequestRule<P extends RequestPhase>(rule: RequestRule<P>): RequestRule<P> {
  return rule;
}

export function defineResponseRule(rule: ResponseRule): ResponseRule {
  return rule;
}
