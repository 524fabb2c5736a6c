// A flow: one path to a remote endpoint over which SIP messages travel (RFC 5626 §3). For TCP and TLS
// it is one connection; for UDP it is a listener socket paired with one remote address and port.
// A WebSocket flow (RFC 7118) is one WebSocket connection from a browser on the community side.
// The layers above send through flows and never touch sockets.

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** RFC 7118: SIP over WebSocket, plain or secure; such a client is reached only over its own connection. */
export function isWebSocketProtocol(protocol: string): protocol is 'ws' | 'wss' {
  return protocol === 'ws' || protocol === 'wss';
}

/** Which side of the border a listener or flow is on (SPEC F1). */
export type Side = 'internal' | 'external';

export interface Endpoint {
  /** An IP literal, IPv6 without brackets. */
  readonly address: string;
  readonly port: number;
}

export interface Flow {
  /** Unique for the life of the process; safe in logs and as a map key. */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly side: Side;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** TCP, TLS and WebSocket: delivery and ordering are the transport's; no retransmission timers. */
  readonly reliable: boolean;
  /** False once closed (by either end, on error, or idle). */
  readonly isOpen: boolean;
  /**
   * Domains the peer's verified TLS certificate covers (RFC 5922), or undefined when the flow is not
   * mutually authenticated.
   */
  readonly peerIdentity: readonly string[] | undefined;
  /** When the peer's verified certificate expires (ms since the epoch), for the expiry gauge (O3). */
  readonly peerCertificateExpiresAt?: number;
  /** Queue bytes for sending; false when the flow is closed or its pending-bytes cap is reached. */
  send(bytes: Buffer): boolean;
  /** Hold the flow open while something (a transaction, a dialog) still needs it. */
  ref(): void;
  unref(): void;
  close(reason: string): void;
}
