// Transport layers with a TLS listener on an ephemeral loopback port, and plain Node TLS clients to
// talk to them, for the mutual-TLS tests (F2, F3, O2). Everything made here is closed by close().

import type { Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import { TimerWheel } from '../../src/clock/timer-wheel.js';
import type { IncomingMessage } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import type { Flow } from '../../src/transport/flow.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { TlsOptions } from '../../src/transport/transport-options.js';

export interface TlsLayer {
  readonly layer: TransportLayer;
  readonly received: Array<{ message: IncomingMessage; flow: Flow }>;
  readonly port: number;
}

/** What a client saw of a handshake: the server certificate, or why it failed. */
export interface HandshakeOutcome {
  readonly socket: TLSSocket;
  readonly certificate?: PeerCertificate;
  readonly error?: Error;
}

export class TlsLab {
  readonly #clock = new TimerWheel({ tickMs: 5 });
  readonly #layers: TransportLayer[] = [];
  readonly #sockets: Socket[] = [];

  constructor() {
    this.#clock.start();
  }

  /** `onMessage` sees each message as it arrives (to answer it); all are also kept in `received`. */
  async layer(
    tls: TlsOptions,
    options: { listen?: boolean; onMessage?: (message: IncomingMessage, flow: Flow) => void } = {},
  ): Promise<TlsLayer> {
    const received: TlsLayer['received'] = [];
    const layer = new TransportLayer({
      listeners: options.listen === false ? [] : [{ side: 'external', protocol: 'tls', address: '127.0.0.1', port: 0 }],
      limits: {
        parser: DEFAULT_PARSER_LIMITS,
        maxConnections: 100,
        maxPendingBytesPerConnection: 65_536,
        idleTimeoutMs: 60_000,
        handshakeTimeoutMs: 5000,
        maxHandshakesInProgress: 10,
        keepaliveIntervalMs: 0,
      },
      clock: this.#clock,
      onMessage: (message, flow) => {
        received.push({ message, flow });
        options.onMessage?.(message, flow);
      },
      tls,
    });
    this.#layers.push(layer);
    await layer.listen();
    return { layer, received, port: layer.boundListeners[0]?.port ?? 0 };
  }

  /** Handshakes with the port; resolves once it succeeded (socket kept open) or failed. */
  handshake(port: number, options: ConnectionOptions): Promise<HandshakeOutcome> {
    const socket = connectTls({ host: '127.0.0.1', port, checkServerIdentity: () => undefined, ...options });
    this.#sockets.push(socket);
    socket.on('error', () => {}); // judged below; a second error after the first must not go unhandled
    return new Promise((resolve) => {
      socket.once('secureConnect', () => {
        // TLS 1.3: the server checks the client certificate after the client's Finished, so a refusal
        // arrives as an alert just after; wait for the first read (or the close) before judging.
        const settle = (error?: Error): void =>
          resolve(error === undefined ? { socket, certificate: socket.getPeerCertificate() } : { socket, error });
        socket.once('error', settle);
        socket.once('close', () => settle(new Error('closed by the server')));
        socket.once('data', () => settle());
        socket.write('\r\n\r\n'); // an RFC 5626 ping: the edge answers a live flow with a pong
      });
      socket.once('error', (error) => resolve({ socket, error }));
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets.splice(0)) socket.destroy();
    await Promise.all(this.#layers.splice(0).map((l) => l.close()));
  }

  stop(): void {
    this.#clock.stop();
  }
}
