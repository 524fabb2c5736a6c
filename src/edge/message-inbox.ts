// Where the transport hands parsed messages: to the transaction layer once the edge has built it
// (messages before that are dropped, as a socket not yet bound would), with the one answer the
// transaction layer cannot give itself — 400 to a request whose Via, CSeq or Call-ID do not parse.

import { isEdgeError } from '../errors.js';
import type { EdgeMetrics } from '../observability/edge-metrics.js';
import type { Logger } from '../observability/logger.js';
import { warning } from '../proxy/validate-request.js';
import { createResponse } from '../sip/create-response.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { ResponseSender } from '../transaction/response-sender.js';
import type { Flow } from '../transport/flow.js';

/** What the inbox hands messages to: the transaction layer. */
export interface MessageReceiver {
  receive(message: IncomingMessage, flow: Flow): void;
  flowClosed(flow: Flow): void;
  /** Server transactions without a final response yet (Y5 reads it as load). */
  readonly unanswered: number;
}

export interface MessageInboxDeps {
  readonly responses: ResponseSender;
  readonly metrics: EdgeMetrics;
  readonly log: Logger;
}

export class MessageInbox {
  readonly #deps: MessageInboxDeps;
  #receiver: MessageReceiver | undefined;

  constructor(deps: MessageInboxDeps) {
    this.#deps = deps;
  }

  /** From now on messages reach `receiver`; opened once, when the request path exists. */
  open(receiver: MessageReceiver): void {
    if (this.#receiver !== undefined) throw new Error('the message inbox is open already');
    this.#receiver = receiver;
  }

  /** Requests the edge has yet to answer; none before the request path exists. */
  get unanswered(): number {
    return this.#receiver?.unanswered ?? 0;
  }

  /** F5: the transport reports a flow closed; its pending client transactions fail over now. */
  flowClosed(flow: Flow): void {
    this.#receiver?.flowClosed(flow);
  }

  deliver(message: IncomingMessage, flow: Flow): void {
    if (this.#receiver === undefined) return;
    try {
      this.#receiver.receive(message, flow);
    } catch (error) {
      if (!isEdgeError(error)) throw error;
      if (message.kind !== 'request' || message.method === 'ACK') return;
      // Y4: the headers a transaction is matched by did not parse: answer 400 at once.
      const callId = message.headers.get('call-id');
      this.#deps.log.info({ callId, err: error.message }, 'unmatchable request answered');
      this.#deps.metrics.answeredAtEdge(error.status, `Y4 ${error.code}`);
      const answer = createResponse(message, error.status, { headers: [['Warning', warning(error.message)]] });
      this.#deps.responses.sendResponse(answer.toBuffer(), message, flow);
    }
  }
}
