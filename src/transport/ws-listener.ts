// One SIP WebSocket listener (SPEC I7, RFC 7118) on an HTTP or HTTPS server: upgrades on the
// configured path that offer the `sip` subprotocol from an allowed Origin become flows; every other
// upgrade is refused with an HTTP status and counted by reason. Requests that do not upgrade go to
// the page handler when one is mounted (the web client shares the port), else get 426.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIPv6, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Endpoint, Side } from './flow.js';
import type { TlsMaterial } from './tls-material.js';
import type { TransportLogger, TransportStats } from './transport-options.js';
import {
  checkUpgrade,
  refusalResponse,
  SIP_SUBPROTOCOL,
  type UpgradeRefusal,
  type WebSocketRefusal,
  type WebSocketSettings,
} from './ws-upgrade-check.js';

/** Serves an HTTP request that is not a WebSocket upgrade (static pages of the web client). */
export type HttpRequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The layer's side of accepting: the shared connection cap and the making of flows. */
export interface WebSocketAdmission {
  readonly stats: TransportStats;
  readonly logger: TransportLogger | undefined;
  hasRoomForConnection(): boolean;
  adopt(socket: WebSocket, request: IncomingMessage, side: Side, protocol: 'ws' | 'wss'): void;
}

export interface WsListenerInit {
  readonly side: Side;
  readonly protocol: 'ws' | 'wss';
  readonly address: string;
  readonly port: number;
  /** wss: the served domains' certificates, chosen by SNI as on the TLS listeners (SPEC F3). */
  readonly tls: TlsMaterial | undefined;
  readonly settings: WebSocketSettings;
  /** SPEC Y4: one SIP message per WebSocket message, so the WebSocket's payload cap is the message cap. */
  readonly maxMessageBytes: number;
  /** The HTTP request head, and over wss the TLS handshake, must finish within this. */
  readonly handshakeTimeoutMs: number;
  readonly admission: WebSocketAdmission;
  readonly httpRequests?: HttpRequestHandler | undefined;
}

export class WsListener {
  readonly side: Side;
  readonly protocol: 'ws' | 'wss';
  readonly #init: WsListenerInit;
  readonly #server: Server;
  readonly #webSockets: WebSocketServer;
  #tls: TlsMaterial | undefined;
  #local: Endpoint;

  constructor(init: WsListenerInit) {
    this.#init = init;
    this.side = init.side;
    this.protocol = init.protocol;
    this.#local = { address: init.address, port: init.port };
    this.#tls = init.tls;
    this.#server = init.protocol === 'wss' ? this.#createHttpsServer(init.tls!) : createHttpServer();
    this.#server.headersTimeout = init.handshakeTimeoutMs;
    this.#server.requestTimeout = init.handshakeTimeoutMs;
    this.#server.on('connection', this.#onConnection);
    this.#server.on('upgrade', this.#onUpgrade);
    this.#server.on('request', this.#onRequest);
    this.#server.on('error', this.#onServerError);
    this.#webSockets = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: init.maxMessageBytes,
      // No compression: RFC 7118 does not need it, and it opens CRIME-style attacks on wss (SPEC F6).
      perMessageDeflate: false,
      handleProtocols: () => SIP_SUBPROTOCOL,
    });
    this.#webSockets.on('wsClientError', (error, socket) => {
      this.#refused('handshake', error.message, socket as Socket);
    });
  }

  get local(): Endpoint {
    return this.#local;
  }

  listen(): Promise<void> {
    const server = this.#server;
    const { address, port } = this.#init;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, ipv6Only: isIPv6(address) }, () => {
        server.off('error', reject);
        const bound = server.address();
        this.#local = { address, port: typeof bound === 'object' && bound !== null ? bound.port : port };
        resolve();
      });
    });
  }

  /** Stop accepting; connections not yet upgraded are cut, flows are the layer's to close. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => resolve());
      // HTTP connections only: an upgraded socket is no longer the server's.
      this.#server.closeAllConnections();
    });
  }

  /** SPEC O2: new wss handshakes use `material`; open connections keep the keys they negotiated. */
  useTls(material: TlsMaterial): void {
    if (this.protocol !== 'wss') return;
    this.#tls = material;
    (this.#server as ReturnType<typeof createHttpsServer>).setSecureContext(material.defaultContextOptions);
  }

  // Browsers present no client certificate: none is asked for here, unlike the peers' mutual TLS.
  #createHttpsServer(tls: TlsMaterial): Server {
    return createHttpsServer({
      ...tls.defaultContextOptions,
      requestCert: false,
      handshakeTimeout: this.#init.handshakeTimeoutMs,
      SNICallback: (servername, done) => done(null, this.#tls?.contextForServerName(servername)),
    });
  }

  // SPEC Y4: over the cap a connection is cut before any HTTP (or TLS) work is done.
  readonly #onConnection = (socket: Socket): void => {
    const admission = this.#init.admission;
    if (!admission.hasRoomForConnection()) {
      admission.stats.refusedConnections++;
      socket.destroy();
    }
  };

  readonly #onUpgrade = (request: IncomingMessage, socket: Socket, head: Buffer): void => {
    const admission = this.#init.admission;
    const refusal = checkUpgrade(request, this.#init.settings, () => admission.hasRoomForConnection());
    if (refusal !== undefined) {
      this.#refuse(refusal, request, socket);
      return;
    }
    this.#webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      admission.stats.acceptedConnections++;
      admission.adopt(webSocket, request, this.side, this.protocol);
    });
  };

  readonly #onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const handler = this.#init.httpRequests;
    if (handler !== undefined) {
      handler(request, response);
      return;
    }
    response.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' });
    response.end('this is a SIP WebSocket endpoint (RFC 7118): upgrade with the sip subprotocol\n');
  };

  #refuse(refusal: UpgradeRefusal, request: IncomingMessage, socket: Socket): void {
    if (refusal.reason === 'connection-cap') this.#init.admission.stats.refusedConnections++;
    this.#refused(refusal.reason, refusal.text, socket, request);
    socket.end(refusalResponse(refusal));
  }

  #refused(reason: WebSocketRefusal, detail: string, socket: Socket, request?: IncomingMessage): void {
    const { stats, logger } = this.#init.admission;
    stats.webSocketRefusals.set(reason, (stats.webSocketRefusals.get(reason) ?? 0) + 1);
    logger?.info(
      {
        reason,
        detail,
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        origin: request?.headers.origin,
        forwardedFor: request?.headers['x-forwarded-for'],
      },
      'I7 websocket upgrade refused',
    );
  }

  readonly #onServerError = (error: Error): void => {
    this.#init.admission.logger?.warn({ err: error, listener: this.#local }, 'websocket listener error');
  };
}
