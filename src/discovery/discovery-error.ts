// Why a discovery failed, as a code the router turns into a SIP answer and a test asserts. The codes
// mirror the EdgeError catalogue's shape (code, SIP status, reason phrase) so they can move into
// src/errors.ts as they are; until then the discovery layer keeps its own table. A DNS failure is
// temporary (503, the caller may retry); everything else says the destination cannot be found (404).

export const DISCOVERY_ERRORS = {
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
} as const satisfies Record<string, { status: number; reason: string }>;

export type DiscoveryErrorCode = keyof typeof DISCOVERY_ERRORS;

export class DiscoveryError extends Error {
  readonly code: DiscoveryErrorCode;
  readonly status: number;
  readonly reason: string;

  constructor(code: DiscoveryErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DiscoveryError';
    this.code = code;
    this.status = DISCOVERY_ERRORS[code].status;
    this.reason = DISCOVERY_ERRORS[code].reason;
  }
}

export function isDiscoveryError(value: unknown): value is DiscoveryError {
  return value instanceof DiscoveryError;
}
