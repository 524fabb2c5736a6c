// Why a discovery failed: codes of the EdgeError catalogue (src/errors.ts, "Discovery") that the
// router turns into a SIP answer and tests assert. A DNS failure is temporary (503, the caller may
// retry); everything else says the destination cannot be found (404).

import { EdgeError, type EdgeErrorCode } from '../errors.js';

export type DiscoveryErrorCode = Extract<
  EdgeErrorCode,
  | 'DNS_TIMEOUT'
  | 'DNS_FAILURE'
  | 'NOT_FOUND'
  | 'NOT_E164'
  | 'NAPTR_REGEXP_MALFORMED'
  | 'ENUM_LOOP'
  | 'ENUM_CHAIN_TOO_DEEP'
  | 'ENUM_TEL_RESULT'
  | 'ENUM_RESULT_UNROUTABLE'
  | 'MIMI_RECORD_MALFORMED'
  | 'MIMI_DISABLED'
>;

export class DiscoveryError extends EdgeError {
  declare readonly code: DiscoveryErrorCode;

  constructor(code: DiscoveryErrorCode, detail: string, options?: { cause?: unknown }) {
    super(code, detail, options);
    this.name = 'DiscoveryError';
  }
}

export function isDiscoveryError(value: unknown): value is DiscoveryError {
  return value instanceof DiscoveryError;
}
