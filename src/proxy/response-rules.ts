// The response chain as the proxy meets it (src/policy/chains.ts, `response`): a final response to a
// request crossing the border, whether relayed from the next hop (forwarding-context.ts) or written by
// a built-in component in this process (proxy-core.ts), goes through the same rules here, so the 604
// cache, outcome counting, confidential mode (Y3), the retry memory (P2), the granted Expires (P6) and
// the subscription bookkeeping (P7-P9) never depend on where the answer came from.

import type { Crossing } from '../policy/border-policy.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { storeOutageAnswer } from './store-outage.js';
import type { ProxyDeps } from './proxy-deps.js';

export type ResponseRuling =
  /** Send the response, with these edits. */
  | { readonly kind: 'send'; readonly edits: readonly HeaderEdit[] }
  /** A rule replied or absorbed: the edge's own answer replaces the response (Y3 confidential mode). */
  | {
      readonly kind: 'replace';
      readonly status: number;
      readonly reason?: string;
      readonly headers?: ReadonlyArray<readonly [string, string]>;
      /** The rule behind it, `<SPEC ID> <name>`, for the metric and the log line. */
      readonly because: string;
    };

const UNCHANGED: ResponseRuling = Object.freeze({ kind: 'send', edits: Object.freeze([]) });

/**
 * Run the response rules on a final response to `request`; a failure of the rules never loses the
 * response: it goes as it is, with a warn line (O7: the store away) or an error line.
 */
export async function ruleOnResponse(
  deps: Pick<ProxyDeps, 'policy' | 'log'>,
  request: IncomingRequest,
  response: IncomingResponse,
  crossing: Crossing | undefined,
  transaction: string,
): Promise<ResponseRuling> {
  const policy = deps.policy;
  if (crossing === undefined || policy === undefined) return UNCHANGED;
  try {
    const outcome = await policy.checkResponse(request, response, crossing);
    const { verdict } = outcome;
    if (verdict.kind !== 'reply' && verdict.kind !== 'absorb') return { kind: 'send', edits: outcome.edits };
    return {
      kind: 'replace',
      status: verdict.status,
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      ...(verdict.headers === undefined ? {} : { headers: verdict.headers }),
      because: `${outcome.decidedBy?.id ?? 'policy'} ${outcome.decidedBy?.name ?? ''}`.trim(),
    };
  } catch (error) {
    // O7: the store being away is expected during an outage: one warn line, no stack.
    const outage = storeOutageAnswer(error);
    const fields = { callId: request.callId, transaction };
    if (outage !== undefined)
      deps.log.warn({ ...fields, err: outage.detail }, 'response rules skipped, store unavailable; relaying unchanged');
    else deps.log.error({ ...fields, err: error }, 'response rules failed; relaying unchanged');
    return UNCHANGED;
  }
}
