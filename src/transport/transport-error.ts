// Failures of the transport layer itself (not of a SIP message): the layers above map them to their
// own outcome, e.g. RFC 3263 failover to the next target (SPEC D2) or a 503 for a request.

export type TransportErrorCode =
  /** The TCP connection or the TLS handshake to the destination failed. */
  | 'CONNECT_FAILED'
  /** RFC 5922 §7.3: the server's certificate does not cover the domain the edge dialled it for. */
  | 'PEER_IDENTITY_MISMATCH'
  /** The connection and handshake did not complete within `limits.handshakeTimeoutMs`. */
  | 'CONNECT_TIMEOUT'
  /** `limits.maxConnections` stream connections are already open (SPEC F4, Y4). */
  | 'CONNECTION_CAP'
  /** No listener serves this side, protocol and address family. */
  | 'NO_LISTENER'
  /** TLS was asked for but no certificate is configured. */
  | 'TLS_NOT_CONFIGURED'
  /** The transport layer is closed or not listening. */
  | 'LAYER_CLOSED'
  /** The layer above refused the connection once its peer was known (SPEC F4 caps, D1 lists, G1 pins). */
  | 'PEER_REFUSED'
  /** The options failed validation at start-up. */
  | 'OPTIONS_INVALID'
  /** SPEC I6, RFC 5626 §5.3: the flow a destination names is closed or unknown (the edge answers 430). */
  | 'FLOW_FAILED';

export class TransportError extends Error {
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
  }
}

export function isTransportError(value: unknown): value is TransportError {
  return value instanceof TransportError;
}
