// SPEC I7: an upgraded WebSocket connection becomes a flow of the transport layer — named like every
// flow, logged with the Origin and any X-Forwarded-For a reverse proxy added (logged only: anyone can
// write that header, so the flow is keyed by the address the edge sees).

import type { IncomingMessage as HttpRequest } from 'node:http';
import type { WebSocket } from 'ws';
import type { FlowContext } from './base-flow.js';
import type { Side } from './flow.js';
import { flowId } from './flow-id.js';
import { WsFlow } from './ws-flow.js';

/** What adoption needs of the layer: whether it is closing, the flows' shared context, serials for ids. */
export interface AdoptingLayer {
  readonly closed: boolean;
  readonly context: FlowContext;
  nextSerial(): number;
}

/** SPEC I7: a WebSocket connection from the community side becomes a flow, found again by its endpoint. */
export function adoptWebSocket(
  layer: AdoptingLayer,
  socket: WebSocket,
  request: HttpRequest,
  side: Side,
  protocol: 'ws' | 'wss',
): WsFlow | undefined {
  const connection = request.socket;
  if (layer.closed || connection.remoteAddress === undefined || connection.remotePort === undefined) {
    socket.terminate();
    return undefined;
  }
  const local = { address: connection.localAddress ?? '', port: connection.localPort ?? 0 };
  const remote = { address: connection.remoteAddress, port: connection.remotePort };
  const id = flowId(protocol, local, remote, 'inbound', layer.nextSerial());
  const flow = new WsFlow(socket, { id, protocol, side, local, remote }, layer.context);
  // Behind a reverse proxy the endpoint is the proxy's; the browser's address is only logged.
  layer.context.logger?.info(
    { flow: id, origin: request.headers.origin, forwardedFor: request.headers['x-forwarded-for'] },
    'I7 websocket connection opened',
  );
  return flow;
}
