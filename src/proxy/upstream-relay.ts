// The way back upstream for a relayed request (RFC 3261 §16.7 steps 3-9): a response that came from
// downstream relayed without the edge's Via, a final one through the border's response rules first,
// and the edge's own answer when no branch left a usable response. Functions over what the relay
// already holds, so relaying allocates no helper object per request; a single-target relay
// (forwarding-context.ts) and a forked one (fork-context.ts) both answer through here.

import { createResponse } from '../sip/create-response.js';
import type { IncomingResponse } from '../sip/incoming-message.js';
import { OutgoingMessage } from '../sip/outgoing-message.js';
import type { Crossing } from '../policy/border-policy.js';
import type { HeaderEdit } from '../policy/rule.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { applyEdits } from './forward-request.js';
import type { ProxyDeps } from './proxy-deps.js';
import { storeOutageAnswer } from './store-outage.js';

/** What a relay knows of where its responses go. */
export interface UpstreamSide {
  readonly serverTransaction: ServerTransaction;
  /** Set when the request crosses the border: the response rules run on its final response. */
  readonly crossing: Crossing | undefined;
}

const NO_EDITS: readonly HeaderEdit[] = Object.freeze([]);

/** §16.7 step 3: the edge's own Via comes off; everything else goes up as received. */
export function relayResponse(
  deps: ProxyDeps,
  upstream: UpstreamSide,
  response: IncomingResponse,
  edits: readonly HeaderEdit[] = NO_EDITS,
): void {
  const statusLine = response.text.slice(0, response.text.indexOf('\r\n'));
  const out = OutgoingMessage.copyOf(response, statusLine).removeFirstValue('Via');
  applyEdits(out, edits);
  hideOrRestore(deps, upstream, out);
  respondUpstream(deps, upstream, out);
}

/**
 * A final response crossing the border first meets the response rules (604 cache, granted Expires);
 * a rule that replies or absorbs replaces it with the edge's own answer (Y3 confidential mode).
 */
export async function relayFinalResponse(
  deps: ProxyDeps,
  upstream: UpstreamSide,
  response: IncomingResponse,
): Promise<void> {
  const { crossing } = upstream;
  const policy = deps.policy;
  if (crossing === undefined || policy === undefined) return relayResponse(deps, upstream, response);
  const request = upstream.serverTransaction.request;
  try {
    const outcome = await policy.checkResponse(request, response, crossing);
    const { verdict } = outcome;
    if (verdict.kind !== 'reply' && verdict.kind !== 'absorb')
      return relayResponse(deps, upstream, response, outcome.edits);
    const because = `${outcome.decidedBy?.id ?? 'policy'} ${outcome.decidedBy?.name ?? ''}`.trim();
    deps.metrics.answeredAtEdge(verdict.status, because);
    const options = {
      ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
      ...(verdict.headers === undefined ? {} : { headers: verdict.headers }),
    };
    respondUpstream(deps, upstream, createResponse(request, verdict.status, options));
  } catch (error) {
    // O7: the store being away is expected during an outage: one warn line, no stack.
    const outage = storeOutageAnswer(error);
    const fields = { callId: request.callId, transaction: upstream.serverTransaction.id };
    if (outage !== undefined)
      deps.log.warn({ ...fields, err: outage.detail }, 'response rules skipped, store unavailable; relaying unchanged');
    else deps.log.error({ ...fields, err: error }, 'response rules failed; relaying unchanged');
    relayResponse(deps, upstream, response);
  }
}

/** §16.7 step 6 with nothing from downstream to relay: the edge answers for its targets (408, 503, 500). */
export function answerForTargets(
  deps: ProxyDeps,
  upstream: UpstreamSide,
  status: number,
  outcomes: readonly { readonly status: number }[],
): void {
  const request = upstream.serverTransaction.request;
  deps.log.info(
    {
      callId: request.callId,
      transaction: upstream.serverTransaction.id,
      status,
      outcomes: outcomes.map((o) => o.status),
    },
    'no usable response from any target',
  );
  deps.metrics.answeredAtEdge(status, status === 408 ? 'RFC 3261 §16.7 timeout' : 'D2 targets unreachable');
  respondUpstream(deps, upstream, createResponse(request, status));
}

export function respondUpstream(deps: ProxyDeps, upstream: UpstreamSide, response: OutgoingMessage): void {
  try {
    upstream.serverTransaction.respond(response);
  } catch (error) {
    // The server transaction already ended (its flow closed, or a final was sent): nothing to do.
    deps.log.debug(
      {
        callId: upstream.serverTransaction.request.callId,
        transaction: upstream.serverTransaction.id,
        err: String(error),
      },
      'response not relayed',
    );
  }
}

/** I4: a response going back inside gets the hidden hops again; one going out to a peer hides ours. */
function hideOrRestore(deps: ProxyDeps, upstream: UpstreamSide, out: OutgoingMessage): void {
  const topology = deps.topology;
  const arrival = upstream.serverTransaction.flow;
  if (topology === undefined || upstream.crossing === undefined) return;
  if (upstream.crossing.direction === 'outbound')
    return topology.restoreResponse(out, upstream.serverTransaction.request);
  const listener = deps.local.listenerFor('external', arrival.protocol, arrival.local.address.includes(':') ? 6 : 4);
  if (listener !== undefined) topology.hideResponse(out, listener);
}
