// inject(): a message through the whole stack without sockets, as fastify's inject() does for HTTP.
// It arrives on a virtual flow (parsed as a datagram would be, so malformed input gets its Y4
// answer), and the result is what the edge sent because of it: the responses on that flow and the
// requests sent onward, each of which a test can answer as the next hop would.

import type { IncomingMessage, IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { createResponse } from '../sip/create-response.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { ParserLimits } from '../sip/parser-limits.js';
import type { Endpoint, Flow, Side, TransportProtocol } from '../transport/flow.js';
import { malformedRequestResponse } from '../transport/malformed-request-response.js';
import type { ConnectDestination } from '../transport/transport-layer.js';
import type { VirtualFlow, VirtualNetwork } from '../transport/virtual-network.js';

export interface InjectOptions {
  readonly side: Side;
  /** external: the peer domain the flow is authenticated as (its certificate's identity). */
  readonly peer?: string;
  /** Defaults to TLS on the external side, TCP on the internal side. */
  readonly protocol?: TransportProtocol;
  /** Where the message comes from; a documentation address by default. */
  readonly remote?: Endpoint;
}

export interface InjectResult {
  /** Responses the edge sent back on the flow the message came in on, in order. */
  readonly responses: readonly IncomingResponse[];
  /** Requests the edge sent onward, in order, each with where it went. */
  readonly forwarded: readonly ForwardedRequest[];
  /** Another message on the flow this one came in on (a CANCEL for its INVITE); resolves as inject() does. */
  send(message: string | Buffer): Promise<InjectResult>;
}

export interface ForwardedRequest {
  readonly request: IncomingRequest;
  readonly destination: ConnectDestination;
  /** Answer as the next hop would (To tag added); resolves with what the edge sent because of it. */
  respond(
    status: number,
    options?: { readonly reason?: string; readonly headers?: [string, string][] },
  ): Promise<InjectResult>;
}

/** What inject() needs of the edge: the network, where messages go, and the listener a flow arrives at. */
export interface InjectTarget {
  readonly network: VirtualNetwork;
  readonly limits: ParserLimits;
  deliver(message: IncomingMessage, flow: Flow): void;
  localEndpoint(side: Side, protocol: TransportProtocol): Endpoint;
}

const DEFAULT_REMOTE: Readonly<Record<Side, Endpoint>> = {
  external: { address: '198.51.100.7', port: 5061 },
  internal: { address: '10.0.0.99', port: 5070 },
};

export async function inject(
  target: InjectTarget,
  message: string | Buffer,
  options: InjectOptions,
): Promise<InjectResult> {
  const protocol = options.protocol ?? (options.side === 'external' ? 'tls' : 'tcp');
  const flow = target.network.openFlow({
    side: options.side,
    protocol,
    local: target.localEndpoint(options.side, protocol),
    remote: options.remote ?? DEFAULT_REMOTE[options.side],
    ...(options.peer === undefined ? {} : { peerIdentity: [options.peer] }),
  });
  return arrive(target, flow, flow, typeof message === 'string' ? Buffer.from(message, 'latin1') : message);
}

/** `bytes` arrive on `flow`; the result watches `origin` for responses. */
async function arrive(
  target: InjectTarget,
  origin: VirtualFlow,
  flow: VirtualFlow,
  bytes: Buffer,
): Promise<InjectResult> {
  const from = target.network.sent.length;
  const frame = parseDatagram(bytes, target.limits);
  if (frame.kind === 'message') {
    frame.message.source = flow.remote; // as the transport notes it on arrival
    target.deliver(frame.message, flow);
  } else if (frame.kind === 'error') {
    const answer = malformedRequestResponse(frame, flow.local.address, flow.remote);
    if (answer !== undefined) flow.send(answer);
  }
  await settle(target.network);
  return resultSince(target, origin, from);
}

function resultSince(target: InjectTarget, origin: VirtualFlow, from: number): InjectResult {
  const responses: IncomingResponse[] = [];
  const forwarded: ForwardedRequest[] = [];
  for (const { flow, bytes } of target.network.sent.slice(from)) {
    const message = parse(bytes, target.limits);
    if (flow === origin && message.kind === 'response') responses.push(message);
    else if (flow !== origin && message.kind === 'request')
      forwarded.push({
        request: message,
        destination: flow.destination ?? { side: flow.side, protocol: flow.protocol, ...flow.remote },
        respond: (status, answer = {}) =>
          arrive(target, origin, flow, createResponse(message, status, answer).toBuffer()),
      });
  }
  const send = (next: string | Buffer): Promise<InjectResult> =>
    arrive(target, origin, origin, typeof next === 'string' ? Buffer.from(next, 'latin1') : next);
  return { responses, forwarded, send };
}

function parse(bytes: Buffer, limits: ParserLimits): IncomingMessage {
  const frame = parseDatagram(bytes, limits);
  if (frame.kind !== 'message') throw new Error('the edge sent bytes that do not parse as SIP');
  return frame.message;
}

/** Turns of the event loop with nothing sent before the edge counts as done with a message. */
const QUIET_TURNS = 20;
const MAX_TURNS = 5_000;

/** Lets the edge's asynchronous steps (store, routing, dialling) run until it has sent all it will. */
async function settle(network: VirtualNetwork): Promise<void> {
  let quiet = 0;
  let seen = network.sent.length;
  for (let turn = 0; turn < MAX_TURNS && quiet < QUIET_TURNS; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    quiet = network.sent.length === seen ? quiet + 1 : 0;
    seen = network.sent.length;
  }
}
