// One TCP or TLS listener (SPEC F1). Connections are admitted against the caps before any TLS work
// is done (SPEC Y4): total connections, then TLS handshakes in progress; a handshake that does not
// finish in time is aborted. Admitted connections are handed to the layer to become flows.

import { handshakeFailureReason, verifyErrorCode } from './handshake-failure-reason.js';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Endpoint, Side } from './flow.js';
import type { TlsMaterial } from './tls-material.js';
import type { TransportLogger, TransportStats } from './transport-options.js';

/** The layer's side of accepting: the shared caps and the making of flows. */
export interface StreamAdmission {
  readonly stats: TransportStats;
  readonly logger: TransportLogger | undefined;
  /** Whether the connection cap allows one more connection. */
  hasRoomForConnection(): boolean;
  /** Count one more TLS handshake in progress, unless the cap is reached. */
  beginHandshake(): boolean;
  endHandshake(): void;
  adopt(socket: Socket, side: Side, protocol: 'tcp' | 'tls'): void;
}

export interface StreamListenerInit {
  readonly side: Side;
  readonly protocol: 'tcp' | 'tls';
  readonly address: string;
  readonly port: number;
  readonly tls: TlsMaterial | undefined;
  readonly handshakeTimeoutMs: number;
  readonly admission: StreamAdmission;
}

export class StreamListener {
  readonly side: Side;
  readonly protocol: 'tcp' | 'tls';
  readonly #init: StreamListenerInit;
  readonly #server: Server;
  /** Never listens: admitted sockets are injected into it, so Node's own TLS server logic verifies peers. */
  readonly #tlsServer: TlsServer | undefined;
  /** Accepted sockets still in their TLS handshake, by remote endpoint; destroyed when the listener closes. */
  readonly #handshaking = new Map<string, Socket>();
  #local: Endpoint;
  /** The material new handshakes use; swapped by `useTls`, never touching flows already open. */
  #tls: TlsMaterial | undefined;

  constructor(init: StreamListenerInit) {
    this.#init = init;
    this.side = init.side;
    this.protocol = init.protocol;
    this.#local = { address: init.address, port: init.port };
    this.#tls = init.tls;
    this.#server = createServer({ noDelay: true }, this.#onConnection);
    if (init.protocol === 'tls') this.#tlsServer = this.#createTlsServer(init.tls!);
  }

  get local(): Endpoint {
    return this.#local;
  }

  listen(): Promise<void> {
    const server = this.#server;
    const { address, port } = this.#init;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      // ipv6Only: an IPv6 listener never also takes IPv4, so both families can be configured apart.
      server.listen({ host: address, port, ipv6Only: isIPv6(address) }, () => {
        server.off('error', reject);
        // Only once bound: a failure to bind is the caller's to report, not a warning of its own.
        server.on('error', this.#onServerError);
        const bound = server.address();
        this.#local = { address, port: typeof bound === 'object' && bound !== null ? bound.port : port };
        resolve();
      });
    });
  }

  /** Stop accepting and abort handshakes in progress; open connections are the layer's to close. */
  close(): Promise<void> {
    for (const socket of this.#handshaking.values()) socket.destroy();
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => resolve());
    });
  }

  /**
   * SPEC O2: new handshakes use `material` from now on — with SNI through the callback, without it
   * through the server's default context; established connections keep the keys they negotiated.
   */
  useTls(material: TlsMaterial): void {
    this.#tls = material;
    this.#tlsServer?.setSecureContext(material.defaultContextOptions);
  }

  // Node never offers TLS compression (it is built without it), which keeps CRIME out (SPEC F6).
  #createTlsServer(tls: TlsMaterial): TlsServer {
    const server = createTlsServer({
      ...tls.defaultContextOptions,
      requestCert: tls.options.requestCert,
      rejectUnauthorized: tls.options.rejectUnauthorized,
      handshakeTimeout: this.#init.handshakeTimeoutMs,
      // SPEC F3: the certificate of the served domain the peer named (RFC 6066 §3); none: the default.
      SNICallback: (servername, done) => done(null, this.#tls?.contextForServerName(servername)),
    });
    server.on('secureConnection', this.#onSecureConnection);
    server.on('tlsClientError', this.#onTlsClientError);
    server.on('error', this.#onServerError);
    return server;
  }

  readonly #onConnection = (socket: Socket): void => {
    const admission = this.#init.admission;
    if (!admission.hasRoomForConnection() || (this.#tlsServer !== undefined && !admission.beginHandshake())) {
      admission.stats.refusedConnections++;
      socket.destroy();
      return;
    }
    admission.stats.acceptedConnections++;
    if (this.#tlsServer === undefined) {
      admission.adopt(socket, this.side, 'tcp');
      return;
    }
    const key = remoteKey(socket);
    this.#handshaking.set(key, socket);
    socket.once('close', () => {
      if (this.#handshaking.get(key) === socket) this.#handshaking.delete(key);
    });
    this.#tlsServer.emit('connection', socket); // Node's TLS server wraps it, verifies, and reports back
  };

  readonly #onSecureConnection = (socket: TLSSocket): void => {
    this.#handshaking.delete(remoteKey(socket));
    this.#init.admission.endHandshake();
    this.#init.admission.adopt(socket, this.side, 'tls');
  };

  // SPEC F2: Node verifies the client's chain once OpenSSL has finished the handshake, and with
  // rejectUnauthorized destroys the socket and reports only "socket hang up"; why it refused is in
  // the socket's authorizationError, read here so each kind of bad certificate is counted apart.
  readonly #onTlsClientError = (error: Error & { code?: string }, socket: TLSSocket): void => {
    const admission = this.#init.admission;
    admission.endHandshake();
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
      admission.stats.handshakeTimeouts++;
      admission.logger?.debug({ err: error, remote }, 'tls handshake timed out');
    } else {
      admission.stats.handshakeFailures++;
      const verifyError = verifyErrorCode(socket.authorizationError);
      const reason = handshakeFailureReason(error, verifyError);
      admission.stats.handshakeFailureReasons.set(
        reason,
        (admission.stats.handshakeFailureReasons.get(reason) ?? 0) + 1,
      );
      admission.logger?.debug({ err: error, remote, reason, verifyError }, 'F2 tls handshake failed');
    }
    socket.destroy();
  };

  readonly #onServerError = (error: Error): void => {
    this.#init.admission.logger?.warn({ err: error, listener: this.#local }, 'stream listener error');
  };
}

function remoteKey(socket: Socket): string {
  return `${socket.remoteAddress} ${socket.remotePort}`;
}
