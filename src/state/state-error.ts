// Errors of the state layer. They are not SIP-facing (a rule that cannot reach its store decides
// itself whether to fail open or answer 500/503), so they live here rather than in the EdgeError
// catalogue; callers and tests match on `code`.

export const STATE_ERROR_CODES = [
  /** A key, TTL, bucket or limit that the contract does not allow (a programming error). */
  'STATE_ARGUMENT_INVALID',
  /** The value cannot be stored as JSON, or is larger than a small record may be. */
  'STATE_VALUE_INVALID',
  /** `increment`, `takeToken` or `addToSet` on a key that holds another kind of value. */
  'STATE_WRONG_KIND',
  /** The backend did not answer or failed (Redis down, SQLite file unwritable). */
  'STATE_UNAVAILABLE',
  /** The store was closed. */
  'STATE_CLOSED',
] as const;

export type StateErrorCode = (typeof STATE_ERROR_CODES)[number];

export class StateError extends Error {
  readonly code: StateErrorCode;

  constructor(code: StateErrorCode, detail: string, options?: { cause?: unknown }) {
    super(detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StateError';
    this.code = code;
  }
}

export function isStateError(value: unknown): value is StateError {
  return value instanceof StateError;
}

/** `operation` met a key holding another kind of value (a record where a counter was expected, …). */
export function wrongKind(key: string, kind: string, operation: string): StateError {
  return new StateError('STATE_WRONG_KIND', `${operation} on ${JSON.stringify(key)}, which holds a ${kind}`);
}
