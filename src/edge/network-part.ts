// The bottom of the stack, in the order a message meets it: listeners and flows (real sockets, or a
// virtual network for inject()), the F4 peer-flow table judging each connection, the peer agent
// that finds or dials a flow for a target, the §18.2.2 response dispatcher, and the message inbox.

import type { EdgeConfig } from '../config/config-schema.js';
import type { Listener } from '../config/listen-schema.js';
import { PeerAgent } from '../peers/peer-agent.js';
import { PeerFlowTable } from '../peers/peer-flow-table.js';
import { LocalAddresses } from '../proxy/local-addresses.js';
import { ResponseDispatcher } from '../proxy/response-dispatcher.js';
import type { Flow } from '../transport/flow.js';
import { createAdmissionController } from '../overload/create-admission-controller.js';
import type { AdmissionController } from '../overload/admission-controller.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { BoundListener, TlsOptions } from '../transport/transport-options.js';
import { VirtualNetwork } from '../transport/virtual-network.js';
import type { HttpRequestHandler } from '../transport/ws-listener.js';
import type { Foundation } from './foundation.js';
import { MessageInbox } from './message-inbox.js';

export interface NetworkPart {
  readonly transport: TransportLayer;
  /** Present with `network: 'virtual'`: every flow the edge is given or dials. */
  readonly virtual: VirtualNetwork | undefined;
  readonly peerFlows: PeerFlowTable;
  readonly peers: PeerAgent;
  readonly responses: ResponseDispatcher;
  readonly inbox: MessageInbox;
  /** Y5: judges each new out-of-dialog request right after framing, before any other work. */
  readonly admission: AdmissionController;
  /** Flows the edge holds, whichever network they are on (metrics, admin). */
  readonly flows: { readonly flows: Iterable<Flow>; findFlow(id: string): Flow | undefined };
  /** Binds the listeners (none on a virtual network) and says what the edge answers to. */
  listen(): Promise<LocalAddresses>;
  readonly listeners: readonly BoundListener[];
  /** I7: also tell `listener` of every flow that closes (the community ends what a browser left behind). */
  whenFlowCloses(listener: (flow: Flow) => void): void;
}

/**
 * `httpRequests`: SPEC I7, the handler for plain HTTP requests on the ws and wss listeners (the web
 * client's pages); absent, such requests get 426 Upgrade Required.
 */
export function createNetworkPart(
  base: Foundation,
  tls: TlsOptions | undefined,
  virtual: boolean,
  httpRequests?: HttpRequestHandler,
): NetworkPart {
  const { metrics, policyDocuments } = base;
  const peerFlows = new PeerFlowTable(base.peerDirectory, {
    counted: (peer, direction, delta) => {
      metrics.peerConnections.inc({ peer: metrics.peerLabel.of(peer), direction }, delta);
      if (delta > 0) policyDocuments.peerConnected(peer);
    },
    refused: (reason) => metrics.peerConnectionsRefused.inc({ reason }),
  });
  // Y5: load is this process's event loop and the requests the edge has yet to answer.
  const admission = createAdmissionController({
    limits: base.config.limits,
    clock: base.clock,
    pendingRequests: () => inbox.unanswered,
    // Connections holding more unsent bytes than their cap: the edge writes faster than it can send.
    sendRefusals: () => transport.stats.sendBufferOverflows,
    observer: metrics.overload,
    logger: base.log,
  });
  const transport = createTransportLayer(base, virtual ? 'none' : tls, {
    admission,
    httpRequests,
    onMessage: (message, flow) => inbox.deliver(message, flow),
    admitStream: (candidate) => peerFlows.admit(candidate),
    onFlowClosed: (flow) => {
      peerFlows.forget(flow.id);
      // F5: a dead connection fails its pending client transactions now, so they fail over at once.
      inbox.flowClosed(flow);
      for (const listener of closeListeners) listener(flow);
    },
  });
  const closeListeners: Array<(flow: Flow) => void> = [];
  const network = virtual ? new VirtualNetwork() : undefined;
  const dialer = network ?? transport;
  const responses = new ResponseDispatcher(dialer, base.log);
  const inbox = new MessageInbox({ responses, metrics, log: base.log });
  const configured = virtualListeners(base.config);
  return {
    transport,
    virtual: network,
    peerFlows,
    peers: new PeerAgent({ transport: dialer, directory: base.peerDirectory, table: peerFlows }),
    responses,
    inbox,
    admission,
    flows: dialer,
    async listen() {
      if (network === undefined) await transport.listen();
      admission.start();
      return new LocalAddresses(network === undefined ? transport.boundListeners : configured);
    },
    get listeners() {
      return network === undefined ? transport.boundListeners : configured;
    },
    whenFlowCloses: (listener) => void closeListeners.push(listener),
  };
}

type TransportHooks = Pick<
  ConstructorParameters<typeof TransportLayer>[0],
  'onMessage' | 'admitStream' | 'onFlowClosed' | 'admission'
> & { readonly httpRequests: HttpRequestHandler | undefined };

/** `none`: on a virtual network the transport binds nothing, so it is given no listener (nor TLS material). */
function createTransportLayer(
  base: Foundation,
  tls: TlsOptions | undefined | 'none',
  { httpRequests, ...hooks }: TransportHooks,
): TransportLayer {
  const { config } = base;
  const listeners = [
    ...config.listen.internal.map((l) => ({ ...listenerOptions(l), side: 'internal' as const })),
    ...config.listen.external.map((l) => ({ ...listenerOptions(l), side: 'external' as const })),
  ];
  return new TransportLayer({
    listeners: tls === 'none' ? [] : listeners,
    ...(tls === undefined || tls === 'none' ? {} : { tls }),
    limits: {
      parser: config.limits,
      maxConnections: config.limits.maxConnections,
      maxPendingBytesPerConnection: config.limits.maxPendingBytesPerConnection,
      idleTimeoutMs: config.limits.idleTimeoutMs,
      handshakeTimeoutMs: config.tls.handshakeTimeoutMs,
      maxHandshakesInProgress: config.tls.maxHandshakesInProgress,
      keepaliveIntervalMs: config.limits.keepaliveIntervalMs,
      maxMessageBytes: config.limits.maxMessageBytes,
    },
    clock: base.clock,
    logger: base.log,
    ...hooks,
    ...(httpRequests === undefined ? {} : { httpRequests }),
  });
}

/** A configured listener as the transport takes it; ws and wss carry their path and Origin allow-list (I7). */
function listenerOptions(listener: Listener) {
  const { transport, address, port } = listener;
  if (transport !== 'ws' && transport !== 'wss') return { protocol: transport, address, port };
  const webSocket = { path: listener.path ?? '/', origins: listener.origins ?? [] };
  return { protocol: transport, address, port, webSocket };
}

const DEFAULT_PORT = { udp: 5060, tcp: 5060, tls: 5061, ws: 80, wss: 443 } as const;

/** A virtual edge's listeners: as configured, an ephemeral port (0) read as the transport's default. */
function virtualListeners(config: EdgeConfig): BoundListener[] {
  const sides = [
    ...config.listen.internal.map((l) => ({ l, side: 'internal' as const })),
    ...config.listen.external.map((l) => ({ l, side: 'external' as const })),
  ];
  return sides.map(({ l, side }) => ({
    side,
    protocol: l.transport,
    address: l.address,
    port: l.port === 0 ? DEFAULT_PORT[l.transport] : l.port,
  }));
}
