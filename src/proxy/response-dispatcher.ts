// RFC 3261 §18.2.2 and RFC 3581 §4: where a response goes. Over the request's own connection while
// it is open; otherwise back to the address the request came from (the `received` the edge noted), at
// the source port when `rport` asked for it, else the sent-by port. The host a Via names is never
// looked up or sent to: it is the sender's claim, and would make the edge a reflector.

import { isIP } from 'node:net';
import { otherSide } from '../routing/resolve-target.js';
import type { RouteTarget } from '../routing/route-types.js';
import { datagramResponsePort, datagramResponsePortOf } from '../sip/via-stamp.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { Via } from '../sip/via.js';
import type { Flow, Side, TransportProtocol } from '../transport/flow.js';
import type { Logger } from '../observability/logger.js';
import type { ResponseSender } from '../transaction/response-sender.js';
import { isTransportError } from '../transport/transport-error.js';
import type { FlowConnector } from './proxy-deps.js';

const DEFAULT_PORT: Readonly<Record<TransportProtocol, number>> = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 };

export class ResponseDispatcher implements ResponseSender {
  readonly #flows: FlowConnector;
  readonly #log: Logger;

  constructor(flows: FlowConnector, log: Logger) {
    this.#flows = flows;
    this.#log = log;
  }

  sendResponse(bytes: Buffer, request: IncomingRequest, flow: Flow): void {
    // The common case first, with no Via read at all: the request's connection is still open.
    if (flow.reliable && flow.isOpen) {
      if (flow.send(bytes)) return;
      if (flow.isOpen)
        return this.#log.debug(
          { callId: request.headers.get('call-id'), flow: flow.id },
          'response dropped: the connection is over its pending-bytes cap',
        );
    }
    // A datagram flow is keyed by the source address and port: right when rport was asked for.
    const via = parsedTopVia(request);
    const port = flow.reliable
      ? (via?.port ?? DEFAULT_PORT[flow.protocol])
      : via !== undefined
        ? datagramResponsePort(via, flow.remote)
        : datagramResponsePortOf(request.headers.get('via'), flow.remote);
    if (flow.isOpen && port === flow.remote.port) {
      if (flow.send(bytes)) return;
      // Still open but refused: its pending bytes are over the cap (Y4, counted by the transport).
      // Another connection to the same peer would only add to the load that filled this one.
      if (flow.isOpen)
        return this.#log.debug(
          { callId: request.headers.get('call-id'), flow: flow.id },
          'response dropped: the connection is over its pending-bytes cap',
        );
    }
    // §18.2.2: the connection closed (or, over UDP, no rport): the source address at the sent-by port.
    this.#deliver(
      bytes,
      { protocol: flow.protocol, address: flow.remote.address, port, side: flow.side },
      request.headers.get('call-id'),
    );
  }

  /**
   * A response relayed statelessly (§16.11): to the address the edge itself noted in the Via when it
   * forwarded the request (`received`, or a sent-by that is an IP literal), never to a host name.
   */
  sendByVia(bytes: Buffer, via: Via, side: Side, callId?: string): void {
    const protocol = transportOf(via.transport);
    const address = via.received ?? (via.hostKind === 'ipv6' ? via.host.slice(1, -1) : via.host);
    if (isIP(address) === 0)
      return this.#log.debug(
        { callId, via: via.host },
        'stray response dropped: its Via names no address the edge noted',
      );
    const port = typeof via.rport === 'number' ? via.rport : (via.port ?? DEFAULT_PORT[protocol]);
    this.#deliver(bytes, { protocol, address, port, side }, callId);
  }

  #deliver(bytes: Buffer, target: RouteTarget, callId: string | undefined): void {
    this.#flows
      .connect(target)
      .catch((error: unknown) => {
        // The side was a guess (a stray response names no flow): the other side may have the listener.
        if (isTransportError(error) && error.code === 'NO_LISTENER')
          return this.#flows.connect({ ...target, side: otherSide(target.side) });
        throw error;
      })
      .then((flow) => {
        if (!flow.send(bytes)) throw new Error('flow refused the response');
      })
      .catch((error: unknown) =>
        this.#log.warn(
          { callId, to: `${target.address}:${target.port}`, err: String(error) },
          'response could not be delivered',
        ),
      );
  }
}

/** The request's top Via as already parsed for its transaction, or undefined when it does not parse. */
function parsedTopVia(request: IncomingRequest): Via | undefined {
  try {
    return request.topVia;
  } catch {
    return undefined;
  }
}

export function transportOf(viaTransport: string): TransportProtocol {
  const named = viaTransport.toLowerCase();
  return named === 'tls' || named === 'tcp' || named === 'ws' || named === 'wss' ? named : 'udp';
}
