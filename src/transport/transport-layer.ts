// The transport layer (SPEC F1, F4, F5, Y4, I7): binds the UDP, TCP, TLS and WebSocket listeners of
// both sides, turns connections and datagrams into flows, hands received messages up, and opens
// connections on demand, sharing one dial per destination and reusing open connections (RFC 3261
// §18.1.1). A WebSocket client is never dialled: it is reached over the connection it opened.

import type { IncomingMessage as HttpRequest } from 'node:http';
import { isIP, isIPv6, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { BaseFlow, type FlowContext } from './base-flow.js';
import { dialStream } from './dial-stream.js';
import { isWebSocketProtocol, type Endpoint, type Flow, type Side, type TransportProtocol } from './flow.js';
import { flowId, type FlowDirection } from './flow-id.js';
import { identityCovers, peerIdentityOf } from './peer-identity.js';
import { spkiFingerprintOf } from './spki-fingerprint.js';
import { StreamFlow } from './stream-flow.js';
import { StreamListener, type StreamAdmission } from './stream-listener.js';
import { TlsMaterial } from './tls-material.js';
import { TransportError } from './transport-error.js';
import {
  emptyStats,
  validateTransportOptions,
  type BoundListener,
  type TlsOptions,
  type TransportLayerOptions,
  type TransportStats,
} from './transport-options.js';
import { UdpListener } from './udp-listener.js';
import type { WebSocket } from 'ws';
import { WsFlow } from './ws-flow.js';
import { WsListener, type WebSocketAdmission } from './ws-listener.js';
import { DEFAULT_WEBSOCKET_SETTINGS } from './ws-upgrade-check.js';

export interface ConnectDestination {
  readonly protocol: TransportProtocol;
  /** An IP literal, IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
  readonly side: Side;
  /** TLS: the peer domain being reached, sent as SNI; the server's certificate must cover it (RFC 5922). */
  readonly servername?: string;
  /**
   * Names the server's certificate may carry instead of `servername` (a peer hosted under another
   * domain, D1 `routes[].identity`); absent: `servername` alone.
   */
  readonly acceptedIdentities?: readonly string[];
  /** TLS: the served domain the request is from; its certificate is presented, else the default (F3). */
  readonly localDomain?: string;
}

export interface TransportGauges {
  /** Open TCP, TLS and WebSocket flows, both directions. */
  readonly streamConnections: number;
  /** Accepted TLS connections still in their handshake. */
  readonly handshakesInProgress: number;
  readonly dialsInProgress: number;
  /** Open flows of every protocol. */
  readonly flows: number;
}

type Listener = UdpListener | StreamListener | WsListener;
/** Flows over one connection: counted against the connection cap and found again by their endpoint. */
type ConnectionFlow = StreamFlow | WsFlow;

export class TransportLayer {
  readonly #options: TransportLayerOptions;
  readonly #stats: TransportStats = emptyStats();
  readonly #context: FlowContext;
  readonly #listeners: Listener[];
  readonly #flows = new Map<string, BaseFlow>();
  /** Open stream flows by side, protocol and remote endpoint, for reuse by `connect`. */
  readonly #streamsByEndpoint = new Map<string, ConnectionFlow>();
  readonly #dials = new Map<string, Promise<Flow>>();
  #openStreams = 0;
  #handshakesInProgress = 0;
  #serial = 0;
  /** The certificates, CAs and CRLs new handshakes use; replaced whole by `reloadTls` (SPEC O2). */
  #tls: TlsMaterial | undefined;
  #state: 'created' | 'listening' | 'closed' = 'created';

  constructor(options: TransportLayerOptions) {
    validateTransportOptions(options);
    this.#options = options;
    this.#tls = options.tls === undefined ? undefined : new TlsMaterial(options.tls);
    this.#context = this.#createContext();
    const admission = this.#createAdmission();
    const webSocketAdmission = this.#createWebSocketAdmission();
    this.#listeners = options.listeners.map((listener): Listener => {
      const { protocol } = listener;
      if (protocol === 'udp')
        return new UdpListener({
          side: listener.side,
          address: listener.address,
          port: listener.port,
          context: this.#context,
          nextSerial: this.#nextSerial,
        });
      if (isWebSocketProtocol(protocol))
        return new WsListener({
          side: listener.side,
          protocol,
          address: listener.address,
          port: listener.port,
          tls: this.#tls,
          settings: listener.webSocket ?? DEFAULT_WEBSOCKET_SETTINGS,
          maxMessageBytes:
            options.limits.maxMessageBytes ?? options.limits.parser.maxHeaderBytes + options.limits.parser.maxBodyBytes,
          handshakeTimeoutMs: options.limits.handshakeTimeoutMs,
          admission: webSocketAdmission,
          httpRequests: options.httpRequests,
        });
      return new StreamListener({
        ...listener,
        protocol,
        tls: this.#tls,
        handshakeTimeoutMs: options.limits.handshakeTimeoutMs,
        admission,
      });
    });
  }

  get stats(): Readonly<TransportStats> {
    return this.#stats;
  }

  /** Current load, for metrics gauges and the admin API. */
  get gauges(): TransportGauges {
    return {
      streamConnections: this.#openStreams,
      handshakesInProgress: this.#handshakesInProgress,
      dialsInProgress: this.#dials.size,
      flows: this.#flows.size,
    };
  }

  /** Every listener with the port it actually bound. */
  get boundListeners(): BoundListener[] {
    return this.#listeners.map((l) => ({
      side: l.side,
      protocol: l.protocol,
      address: l.local.address,
      port: l.local.port,
    }));
  }

  /** Every open flow (for the admin API and metrics). */
  get flows(): Iterable<Flow> {
    return this.#flows.values();
  }

  findFlow(id: string): Flow | undefined {
    return this.#flows.get(id);
  }

  async listen(): Promise<void> {
    if (this.#state !== 'created')
      throw new TransportError('LAYER_CLOSED', `cannot listen: the transport layer is ${this.#state}`);
    const results = await Promise.allSettled(
      this.#listeners.map((l) => (l instanceof UdpListener ? l.bind() : l.listen())),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure !== undefined) {
      await this.close();
      throw failure.reason;
    }
    this.#state = 'listening';
  }

  /** A flow to the destination: UDP pairs it with the side's listener; TCP and TLS reuse or dial. */
  async connect(destination: ConnectDestination): Promise<Flow> {
    if (this.#state !== 'listening')
      throw new TransportError('LAYER_CLOSED', `cannot connect: the transport layer is ${this.#state}`);
    if (destination.protocol === 'udp') return this.#datagramFlow(destination);
    const key = endpointKey(destination.side, destination.protocol, destination);
    const open = this.#streamsByEndpoint.get(key);
    if (open !== undefined && open.isOpen && this.#servesDomain(open, destination)) return open;
    // RFC 7118 §5: a browser cannot be dialled; once its connection is gone, so is the way to it.
    if (isWebSocketProtocol(destination.protocol))
      throw new TransportError('CONNECT_FAILED', `${key}: no open WebSocket connection from there`);
    const protocol = destination.protocol;
    // One dial in flight per destination, shared; over TLS per target domain too, as each is checked apart.
    const dialKey =
      destination.protocol === 'tls' && destination.servername !== undefined
        ? `${key} ${destination.servername.toLowerCase()}`
        : key;
    const pending = this.#dials.get(dialKey);
    if (pending !== undefined) return pending;
    if (!this.#hasRoomForConnection()) {
      throw new TransportError(
        'CONNECTION_CAP',
        `${this.#options.limits.maxConnections} connections open; not dialling ${key}`,
      );
    }
    const dial = this.#dial({ ...destination, protocol }, dialKey);
    this.#dials.set(dialKey, dial);
    return dial;
  }

  /**
   * SPEC O2: new handshakes, accepted and dialled, use this material from now on; open flows keep
   * theirs. Throws TransportError OPTIONS_INVALID, with the old material still in force, when a
   * certificate, key, CA or CRL cannot be used.
   */
  reloadTls(options: TlsOptions): void {
    const material = new TlsMaterial(options);
    for (const listener of this.#listeners)
      if (listener instanceof StreamListener || listener instanceof WsListener) listener.useTls(material);
    this.#tls = material;
  }

  /** Stop listening and close every flow; resolves when the sockets are closed. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await Promise.allSettled(this.#dials.values());
    const sockets: Promise<void>[] = [];
    for (const flow of [...this.#flows.values()]) {
      if (flow instanceof StreamFlow || flow instanceof WsFlow) sockets.push(flow.whenSocketClosed());
      flow.close('shutdown');
    }
    await Promise.all([...this.#listeners.map((l) => l.close()), ...sockets]);
  }

  #datagramFlow(destination: ConnectDestination): Flow {
    const ipv6 = isIPv6(destination.address);
    for (const listener of this.#listeners) {
      if (listener instanceof UdpListener && listener.side === destination.side && listener.ipv6 === ipv6) {
        return listener.flowTo(destination.address, destination.port, 'outbound');
      }
    }
    throw new TransportError(
      'NO_LISTENER',
      `no ${ipv6 ? 'IPv6' : 'IPv4'} UDP listener on the ${destination.side} side`,
    );
  }

  async #dial(destination: ConnectDestination & { protocol: 'tcp' | 'tls' }, key: string): Promise<Flow> {
    try {
      const limits = this.#options.limits;
      const socket = await dialStream(destination, this.#tls, this.#options.clock, limits.handshakeTimeoutMs);
      const remote = { address: destination.address, port: destination.port };
      const flow = this.#adopt(socket, destination.side, destination.protocol, 'outbound', {
        remote,
        ...(destination.servername === undefined ? {} : { servername: destination.servername }),
      });
      if (typeof flow === 'string') throw new TransportError('PEER_REFUSED', `${key}: ${flow}`);
      if (flow !== undefined) return flow;
      throw this.#state === 'closed'
        ? new TransportError('LAYER_CLOSED', 'the transport layer closed while dialling')
        : new TransportError('CONNECT_FAILED', `${key}: the connection closed during set-up`);
    } finally {
      this.#dials.delete(key);
    }
  }

  /** Make a flow of a connected socket: undefined when the socket died before this point, the reason when refused. */
  #adopt(
    socket: Socket,
    side: Side,
    protocol: 'tcp' | 'tls',
    direction: FlowDirection,
    dialled?: { remote: Endpoint; servername?: string },
  ): StreamFlow | string | undefined {
    if (
      this.#state === 'closed' ||
      socket.destroyed ||
      socket.remoteAddress === undefined ||
      socket.remotePort === undefined
    ) {
      socket.destroy();
      return undefined;
    }
    const local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    const peer = dialled?.remote ?? { address: socket.remoteAddress, port: socket.remotePort };
    const tlsSocket = socket as TLSSocket;
    // RFC 5922 §7.1: an identity only from a certificate that chained to a trusted CA.
    const certificate = protocol === 'tls' && tlsSocket.authorized ? tlsSocket.getPeerCertificate() : undefined;
    const peerIdentity = peerIdentityOf(certificate);
    const peerCertificateExpiresAt = certificate?.valid_to === undefined ? undefined : Date.parse(certificate.valid_to);
    const id = flowId(protocol, local, peer, direction, this.#nextSerial());
    const refusal = this.#options.admitStream?.({
      id,
      side,
      protocol,
      direction,
      peerIdentity,
      spkiSha256: spkiFingerprintOf(certificate),
      servername: dialled?.servername,
    });
    if (refusal !== undefined) {
      this.#stats.refusedPeerConnections++;
      this.#options.logger?.info({ flow: id, peerIdentity, reason: refusal }, 'connection refused');
      socket.destroy();
      return refusal;
    }
    const flow = new StreamFlow(
      socket,
      { id, protocol, side, local, remote: peer, peerIdentity, peerCertificateExpiresAt },
      this.#context,
    );
    this.#openStreams++;
    this.#streamsByEndpoint.set(endpointKey(side, protocol, peer), flow);
    return flow;
  }

  /** RFC 5922 §7.3: a TLS flow is reused for a domain only if its certificate covers that domain. */
  #servesDomain(flow: ConnectionFlow, destination: ConnectDestination): boolean {
    const servername = destination.servername;
    if (flow.protocol !== 'tls' || servername === undefined || isIP(servername) !== 0) return true;
    return (destination.acceptedIdentities ?? [servername]).some((name) => identityCovers(flow.peerIdentity, name));
  }

  #hasRoomForConnection(): boolean {
    return this.#openStreams + this.#handshakesInProgress + this.#dials.size < this.#options.limits.maxConnections;
  }

  readonly #nextSerial = (): number => ++this.#serial;

  #createContext(): FlowContext {
    const options = this.#options;
    const stats = this.#stats;
    return {
      clock: options.clock,
      limits: options.limits,
      stats,
      logger: options.logger,
      admission: options.admission,
      flowOpened: (flow) => {
        this.#flows.set(flow.id, flow);
      },
      deliver: (message: IncomingMessage, flow: Flow) => {
        message.source = flow.remote;
        try {
          options.onMessage(message, flow);
        } catch (error) {
          stats.deliveryFailures++; // a bug above must not take the connection or the process down
          options.logger?.warn({ err: error, flow: flow.id }, 'onMessage threw');
        }
      },
      flowClosed: (flow, reason) => this.#forget(flow, reason),
    };
  }

  #forget(flow: BaseFlow, reason: string): void {
    this.#flows.delete(flow.id);
    if (flow instanceof StreamFlow || flow instanceof WsFlow) {
      this.#openStreams--;
      const key = endpointKey(flow.side, flow.protocol, flow.remote);
      if (this.#streamsByEndpoint.get(key) === flow) this.#streamsByEndpoint.delete(key);
    }
    this.#options.logger?.debug({ flow: flow.id, reason }, 'flow closed');
    try {
      this.#options.onFlowClosed?.(flow, reason);
    } catch (error) {
      this.#options.logger?.warn({ err: error, flow: flow.id }, 'onFlowClosed threw');
    }
  }

  #createWebSocketAdmission(): WebSocketAdmission {
    return {
      stats: this.#stats,
      logger: this.#options.logger,
      hasRoomForConnection: () => this.#state !== 'closed' && this.#hasRoomForConnection(),
      adopt: (socket, request, side, protocol) => {
        const layer = { closed: this.#state === 'closed', context: this.#context, nextSerial: this.#nextSerial };
        const flow = adoptWebSocket(layer, socket, request, side, protocol);
        if (flow === undefined) return;
        this.#openStreams++;
        this.#streamsByEndpoint.set(endpointKey(side, protocol, flow.remote), flow);
      },
    };
  }

  #createAdmission(): StreamAdmission {
    const limits = this.#options.limits;
    return {
      stats: this.#stats,
      logger: this.#options.logger,
      hasRoomForConnection: () => this.#state !== 'closed' && this.#hasRoomForConnection(),
      beginHandshake: () => {
        if (this.#handshakesInProgress >= limits.maxHandshakesInProgress) return false;
        this.#handshakesInProgress++;
        return true;
      },
      endHandshake: () => {
        this.#handshakesInProgress--;
      },
      adopt: (socket, side, protocol) => {
        this.#adopt(socket, side, protocol, 'inbound');
      },
    };
  }
}

/** SPEC I7: a WebSocket connection from the community side becomes a flow, found again by its endpoint. */
function adoptWebSocket(
  layer: { readonly closed: boolean; readonly context: FlowContext; nextSerial(): number },
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

function endpointKey(side: Side, protocol: TransportProtocol, remote: Endpoint): string {
  return `${side} ${protocol} ${remote.address} ${remote.port}`;
}
