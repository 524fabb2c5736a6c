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
  // Configuration (never a SIP status of its own; 500 if it ever reaches the wire).
  CONFIG_INVALID: { status: 500, reason: 'Server Internal Error' },
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
