// RFC 3261 §18.2.2 and RFC 3581 §4: where a response goes. Over the request's own connection while
// it is open; otherwise to the Via: the received address (or the sent-by host) at the rport (or
// the sent-by port, or the transport's default).

import { otherSide, resolveHost } from '../routing/resolve-target.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { Via } from '../sip/via.js';
import type { Flow, Side, TransportProtocol } from '../transport/flow.js';
import type { Logger } from '../observability/logger.js';
import type { ResponseSender } from '../transaction/response-sender.js';
import { isTransportError } from '../transport/transport-error.js';
import type { FlowConnector } from './proxy-deps.js';

const DEFAULT_PORT: Readonly<Record<TransportProtocol, number>> = { udp: 5060, tcp: 5060, tls: 5061 };

export class ResponseDispatcher implements ResponseSender {
  readonly #flows: FlowConnector;
  readonly #log: Logger;

  constructor(flows: FlowConnector, log: Logger) {
    this.#flows = flows;
    this.#log = log;
  }

  sendResponse(bytes: Buffer, request: IncomingRequest, flow: Flow): void {
    const via = request.topVia;
    // A datagram flow is keyed by the source address and port: right when rport was asked for.
    const sameFlow = flow.reliable || via.rport !== undefined || via.port === flow.remote.port;
    if (flow.isOpen && sameFlow) {
      if (flow.send(bytes)) return;
      // Still open but refused: its pending bytes are over the cap (Y4, counted by the transport).
      // Another connection to the same peer would only add to the load that filled this one.
      if (flow.isOpen) return this.#log.debug({ callId: request.callId, flow: flow.id }, 'response dropped: the connection is over its pending-bytes cap');
    }
    this.sendByVia(bytes, via, flow.side);
  }

  /** Send to where a Via says (a response relayed statelessly, or whose connection closed). */
  sendByVia(bytes: Buffer, via: Via, side: Side): void {
    void this.#destination(via, side)
      .then((target) => this.#flows.connect(target).catch((error: unknown) => {
        // The side was a guess (a stray response names no flow): the other side may have the listener.
        if (isTransportError(error) && error.code === 'NO_LISTENER') return this.#flows.connect({ ...target, side: otherSide(side) });
        throw error;
      }))
      .then((flow) => {
        if (!flow.send(bytes)) throw new Error('flow refused the response');
      })
      .catch((error: unknown) => this.#log.warn({ via: `${via.host}:${via.port ?? ''}`, err: String(error) }, 'response could not be delivered'));
  }

  async #destination(via: Via, side: Side) {
    const protocol = transportOf(via.transport);
    const address = await resolveHost(via.received ?? via.host);
    const port = typeof via.rport === 'number' ? via.rport : (via.port ?? DEFAULT_PORT[protocol]);
    return { protocol, address, port, side };
  }
}

export function transportOf(viaTransport: string): TransportProtocol {
  return viaTransport === 'TLS' ? 'tls' : viaTransport === 'TCP' ? 'tcp' : 'udp';
}

