// The transport layer's options: where to listen, the TLS material, and the limits that keep hostile
// peers from exhausting the process (SPEC Y4). Checked once at construction (STYLE rule 7).

import { isIP } from 'node:net';
import type { Clock } from '../clock/clock.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { ParserLimits } from '../sip/parser-limits.js';
import type { SourceAddress } from '../sip/via-stamp.js';
import type { Flow, Side, TransportProtocol } from './flow.js';
import { HANDSHAKE_FAILURE_REASONS, type HandshakeFailureReason } from './handshake-failure-reason.js';
import { TransportError } from './transport-error.js';
import type { HttpRequestHandler } from './ws-listener.js';
import { WEBSOCKET_REFUSALS, type WebSocketRefusal, type WebSocketSettings } from './ws-upgrade-check.js';

export interface ListenerOptions {
  readonly side: Side;
  readonly protocol: TransportProtocol;
  /** An IPv4 or IPv6 literal (IPv6 without brackets). */
  readonly address: string;
  /** 0 binds an ephemeral port (tests); `boundListeners` tells which. */
  readonly port: number;
  /** ws and wss (SPEC I7): the upgrade path and the Origin allow-list; defaults: `/`, any Origin. */
  readonly webSocket?: WebSocketSettings;
}

/** A listener as bound: `port` is the actual port, never 0. */
export type BoundListener = ListenerOptions;

/** The certificate and key the edge presents for one served domain (SPEC F3). */
export interface DomainCertificate {
  readonly domain: string;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface TlsOptions {
  /** The default certificate: presented when SNI names no served domain, and when dialling. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** One certificate per served domain, chosen by SNI (SPEC F3); the default when absent. */
  readonly certificates?: readonly DomainCertificate[];
  /** Trust anchors for peers; the system store when absent. */
  readonly ca?: string | Buffer;
  /** PEM certificate revocation lists; with any, every peer chain must be checked against a CRL. */
  readonly crl?: ReadonlyArray<string | Buffer>;
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
}

export interface TransportLimits {
  readonly parser: ParserLimits;
  /** Open stream connections in total: accepted, dialled and in their TLS handshake. */
  readonly maxConnections: number;
  /** Bytes queued for a peer that does not read before its connection is cut. */
  readonly maxPendingBytesPerConnection: number;
  /** An unreferenced flow with no SIP traffic for this long is closed (SPEC F4). */
  readonly idleTimeoutMs: number;
  /** Inbound TLS handshakes, and outbound connect plus handshake, must finish within this. */
  readonly handshakeTimeoutMs: number;
  readonly maxHandshakesInProgress: number;
  /** RFC 5626 §4.4.1 CRLF ping interval on reliable flows; 0 switches keepalives off. */
  readonly keepaliveIntervalMs: number;
  /** SPEC I7, Y4: the largest WebSocket message (one SIP message); absent: the header and body caps summed. */
  readonly maxMessageBytes?: number;
}

/** The subset of a pino logger the transport uses. */
export interface TransportLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** A stream connection about to become a flow: what the layers above judge it by (SPEC F4, D1, G1). */
export interface StreamCandidate {
  /** The id the flow will have, so the judge can keep track of it until `onFlowClosed`. */
  readonly id: string;
  readonly side: Side;
  readonly protocol: 'tcp' | 'tls';
  readonly direction: 'inbound' | 'outbound';
  /** Verified certificate domains (RFC 5922); undefined without mutual TLS. */
  readonly peerIdentity: readonly string[] | undefined;
  /** Base64 SHA-256 of the peer certificate's SubjectPublicKeyInfo, for pinning. */
  readonly spkiSha256: string | undefined;
  /** Outbound: the domain being reached (the SNI), when known. */
  readonly servername: string | undefined;
}

/** What becomes of a message just framed: passed up, or answered (or dropped) where it was read. */
export type AdmissionVerdict =
  | { readonly admit: true }
  /** `answer`: the bytes to send back on the flow; undefined drops the message unanswered. */
  | { readonly admit: false; readonly answer: Buffer | undefined };

/**
 * Overload control on the read path (SPEC Y5): every message is judged right after framing, before
 * the transaction layer sees it, and a stream whose source is over its share stops being read.
 */
export interface MessageAdmission {
  /** `replyTo`: where the message came from, for the top Via of an answer (RFC 3261 §18.2.1). */
  judge(message: IncomingMessage, flow: Flow, replyTo: SourceAddress): AdmissionVerdict;
  /** True when the flow's source sent past its share in this interval: read no more from it for now. */
  overShare(flow: Flow): boolean;
  /** Call `resume` once, when the shares are next refilled. */
  whenRefilled(resume: () => void): void;
}

export interface TransportLayerOptions {
  readonly listeners: ReadonlyArray<ListenerOptions>;
  readonly tls?: TlsOptions;
  readonly limits: TransportLimits;
  readonly clock: Clock;
  onMessage(message: IncomingMessage, flow: Flow): void;
  onFlowClosed?(flow: Flow, reason: string): void;
  /**
   * Asked once per TCP or TLS connection after the handshake, when the peer is known: undefined
   * admits it, a reason refuses it (the connection is closed; a dial fails with PEER_REFUSED).
   */
  admitStream?(candidate: StreamCandidate): string | undefined;
  /** SPEC Y5: judges each framed message before it is handed to `onMessage`; absent: all pass. */
  readonly admission?: MessageAdmission;
  readonly logger?: TransportLogger;
  /**
   * SPEC I7: HTTP requests that do not upgrade, on every ws and wss listener (the web client's pages
   * share the port); absent, they are answered 426 Upgrade Required.
   */
  readonly httpRequests?: HttpRequestHandler;
}

/** Counters for metrics (SPEC O3); they only grow. */
export interface TransportStats {
  acceptedConnections: number;
  /** Connections refused at accept because a cap was reached. */
  refusedConnections: number;
  /** Connections refused after the handshake by `admitStream` (peer caps, lists, pins). */
  refusedPeerConnections: number;
  /** Streams closed, or datagrams dropped or answered, because the bytes were not SIP. */
  framingErrors: number;
  handshakeFailures: number;
  /** handshakeFailures by a bounded reason (handshake-failure-reason.ts), for the metric's label. */
  readonly handshakeFailureReasons: Map<HandshakeFailureReason, number>;
  handshakeTimeouts: number;
  keepaliveTimeouts: number;
  /** Connections cut because the peer did not read what was sent to it. */
  sendBufferOverflows: number;
  /** Exceptions thrown by `onMessage` (bugs above the transport), caught and logged. */
  deliveryFailures: number;
  /** SPEC I7: WebSocket upgrades refused, by reason (ws-upgrade-check.ts). */
  readonly webSocketRefusals: Map<WebSocketRefusal, number>;
}

export function emptyStats(): TransportStats {
  return {
    acceptedConnections: 0,
    refusedConnections: 0,
    refusedPeerConnections: 0,
    framingErrors: 0,
    handshakeFailures: 0,
    // Every reason from zero, so the metric has each series before its first failure and an alert on
    // increase() sees that failure (SPEC F2, O3).
    handshakeFailureReasons: new Map(HANDSHAKE_FAILURE_REASONS.map((reason) => [reason, 0])),
    handshakeTimeouts: 0,
    keepaliveTimeouts: 0,
    sendBufferOverflows: 0,
    deliveryFailures: 0,
    webSocketRefusals: new Map(WEBSOCKET_REFUSALS.map((reason) => [reason, 0])),
  };
}

const POSITIVE_LIMITS = [
  'maxConnections',
  'maxPendingBytesPerConnection',
  'idleTimeoutMs',
  'handshakeTimeoutMs',
  'maxHandshakesInProgress',
] as const;

export function validateTransportOptions(options: TransportLayerOptions): void {
  const limits = options.limits;
  for (const name of POSITIVE_LIMITS) {
    if (!Number.isInteger(limits[name]) || limits[name] <= 0)
      invalid(`limits.${name} must be a positive integer, got ${limits[name]}`);
  }
  if (!Number.isInteger(limits.keepaliveIntervalMs) || limits.keepaliveIntervalMs < 0) {
    invalid(`limits.keepaliveIntervalMs must be 0 (off) or a positive integer, got ${limits.keepaliveIntervalMs}`);
  }
  for (const listener of options.listeners) {
    if (isIP(listener.address) === 0)
      invalid(`listener ${listener.protocol}: address must be an IP literal, got '${listener.address}'`);
    if (!Number.isInteger(listener.port) || listener.port < 0 || listener.port > 65535) {
      invalid(`listener ${listener.protocol} ${listener.address}: port must be 0..65535, got ${listener.port}`);
    }
    if ((listener.protocol === 'tls' || listener.protocol === 'wss') && options.tls === undefined) {
      invalid(
        `listener ${listener.protocol} ${listener.address}:${listener.port} needs tls options (certificate and key)`,
      );
    }
  }
}

function invalid(detail: string): never {
  throw new TransportError('OPTIONS_INVALID', detail);
}
