// The EdgeError catalogue: every error the edge can raise or return has a code, the SIP status a
// request that caused it is answered with, and a reason phrase. Tests assert the code, never the text.

export const ERROR_CATALOGUE = {
  // Framing and parsing (RFC 3261 §7, §18.3, §25; RFC 4475).
  START_LINE_MALFORMED: { status: 400, reason: 'Bad Request' },
  START_LINE_TOO_LONG: { status: 414, reason: 'Request-URI Too Long' },
  VERSION_NOT_SUPPORTED: { status: 505, reason: 'Version Not Supported' },
  STATUS_CODE_INVALID: { status: 400, reason: 'Bad Request' },
  METHOD_INVALID: { status: 400, reason: 'Bad Request' },
  HEADER_LINE_MALFORMED: { status: 400, reason: 'Bad Request' },
  HEADER_VALUE_MALFORMED: { status: 400, reason: 'Bad Request' },
  HEADER_MISSING: { status: 400, reason: 'Bad Request' },
  HEADER_DUPLICATED: { status: 400, reason: 'Bad Request' },
  HEADERS_TOO_LARGE: { status: 513, reason: 'Message Too Large' },
  TOO_MANY_HEADERS: { status: 513, reason: 'Message Too Large' },
  TOO_MANY_VIAS: { status: 513, reason: 'Message Too Large' },
  BODY_TOO_LARGE: { status: 513, reason: 'Message Too Large' },
  HEADER_BLOCK_UNTERMINATED: { status: 400, reason: 'Bad Request' },
  CONTENT_LENGTH_INVALID: { status: 400, reason: 'Bad Request' },
  CONTENT_LENGTH_MISSING: { status: 400, reason: 'Bad Request' },
  CONTENT_LENGTH_EXCEEDS_DATAGRAM: { status: 400, reason: 'Bad Request' },
  URI_MALFORMED: { status: 400, reason: 'Bad Request' },
  URI_SCHEME_UNSUPPORTED: { status: 416, reason: 'Unsupported URI Scheme' },
  CSEQ_METHOD_MISMATCH: { status: 400, reason: 'Bad Request' },
  // Discovery (D2-D7): a DNS failure is temporary (503); anything else means the destination cannot
  // be found (404).

  /** Every attempt at every resolver timed out (D3). */
  DNS_TIMEOUT: { status: 503, reason: 'DNS Timeout' },
  /** The resolvers answered SERVFAIL, REFUSED or a malformed packet (RFC 1035 §4.1.1). */
  DNS_FAILURE: { status: 503, reason: 'DNS Failure' },
  /** DNS has no usable records for the name: no SIP server, no ENUM entry (D2, D4). */
  NOT_FOUND: { status: 404, reason: 'Not Found in DNS' },
  /** The input is not an E.164 number: no "+", a local tel: number, too many digits (D4). */
  NOT_E164: { status: 404, reason: 'Not an E.164 Number' },
  /** A NAPTR regexp field that RFC 3402 §3.2 does not allow (D4). */
  NAPTR_REGEXP_MALFORMED: { status: 404, reason: 'Malformed ENUM Rule' },
  /** An enum: result or a non-terminal rule leads back to a number or domain on the path (D6). */
  ENUM_LOOP: { status: 404, reason: 'ENUM Loop' },
  /** More hops than discovery.enum.maxChainDepth (D6). */
  ENUM_CHAIN_TOO_DEEP: { status: 404, reason: 'ENUM Chain Too Long' },
  /** ENUM gave a tel: URI, which is never re-submitted (004 §3.2) and names no SIP domain. */
  ENUM_TEL_RESULT: { status: 404, reason: 'ENUM Gave a tel: URI' },
  /** ENUM gave a URI this edge cannot route (mailto:, http:, …). */
  ENUM_RESULT_UNROUTABLE: { status: 404, reason: 'ENUM Result Not Routable' },
  /** A MIMI record that is not `v=MIMI1; …` with an `e=` endpoint (D7). */
  MIMI_RECORD_MALFORMED: { status: 404, reason: 'Malformed MIMI Record' },
  /** MIMI discovery was asked for while discovery.mimi.enabled is false. */
  MIMI_DISABLED: { status: 404, reason: 'MIMI Discovery Off' },
  // Peers (F2, F4, D1, G1): who may connect or be reached, and how many connections each may hold.

  /** The peer domain is on discovery.deny (D1). */
  PEER_DENIED: { status: 403, reason: 'Peer Domain Denied' },
  /** Closed federation and the peer is neither routed, allowed nor under an agreement (D1). */
  PEER_NOT_ALLOWED: { status: 403, reason: 'Peer Not Allowed' },
  /** The peer's certificate does not cover the domain, or its key is not the pinned one (F2, G1). */
  PEER_UNTRUSTED: { status: 403, reason: 'Peer Not Trusted' },
  /** The per-peer connection cap is reached and no open connection can be shared (F4). */
  PEER_FLOW_CAP: { status: 503, reason: 'Peer Connection Limit' },
  // Configuration (never a SIP status of its own; 500 if it ever reaches the wire).
  CONFIG_INVALID: { status: 500, reason: 'Server Internal Error' },
  /** A configured certificate, key, CA bundle or CRL file cannot be read or used (F2, F3, O2). */
  TLS_FILE_INVALID: { status: 500, reason: 'Server Internal Error' },
} as const satisfies Record<string, { status: number; reason: string }>;

export type EdgeErrorCode = keyof typeof ERROR_CATALOGUE;

export class EdgeError extends Error {
  readonly code: EdgeErrorCode;
  /** The SIP status a request that caused this error is answered with. */
  readonly status: number;
  /** The reason phrase for that status. */
  readonly reason: string;

  constructor(code: EdgeErrorCode, detail: string, options?: { status?: number; cause?: unknown }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    const entry = ERROR_CATALOGUE[code];
    this.name = 'EdgeError';
    this.code = code;
    this.status = options?.status ?? entry.status;
    this.reason = entry.reason;
  }
}

export function isEdgeError(value: unknown): value is EdgeError {
  return value instanceof EdgeError;
}
