// Limits the parser enforces before a message exists (SPEC Y4). The configuration layer fills these
// from `limits.*`; the defaults here only serve tests and tools that parse without a configuration.

export interface ParserLimits {
  /** Longest start line accepted, in bytes (without CRLF). */
  readonly maxStartLineBytes: number;
  /** Largest header block accepted (start line and headers), in bytes. */
  readonly maxHeaderBytes: number;
  /** Most header lines accepted in one message. */
  readonly maxHeaders: number;
  /** Most Via values accepted in one message. */
  readonly maxVias: number;
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
}

export const DEFAULT_PARSER_LIMITS: ParserLimits = Object.freeze({
  maxStartLineBytes: 8192,
  maxHeaderBytes: 32768,
  maxHeaders: 128,
  maxVias: 70,
  maxBodyBytes: 65536,
});
