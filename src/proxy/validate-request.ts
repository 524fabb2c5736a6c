// RFC 3261 §16.3: the checks a proxy makes before it routes a request. Each returns an answer for the
// edge to send, or undefined to go on.

import { isEdgeError } from '../errors.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { ParserLimits } from '../sip/parser-limits.js';
import { isAbsoluteUri } from '../sip/uri.js';
import { validateMessage } from '../sip/validate-message.js';

export interface Answer {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  /** The SPEC ID or RFC section behind the answer, for logs and metrics. */
  readonly because: string;
  /** When a built-in component answers as the UAS (routing's reply decision). */
  readonly toTag?: string;
  readonly body?: Buffer;
  readonly contentType?: string;
}

/** Option tags the edge supports in Proxy-Require: none. */
const SUPPORTED_PROXY_EXTENSIONS: ReadonlySet<string> = new Set();

/** Step 1, reasonable syntax: every header the edge understands must parse (RFC 4475). */
export function checkSyntax(request: IncomingRequest, limits: ParserLimits): Answer | undefined {
  try {
    validateMessage(request, { limits, grammar: 'full' });
    return undefined;
  } catch (error) {
    if (!isEdgeError(error)) throw error;
    return {
      status: error.status,
      reason: error.reason,
      headers: [['Warning', warning(error.message)]],
      because: `Y4 ${error.code}`,
    };
  }
}

/** Step 2, URI scheme: the edge routes sip, sips, tel, im and pres (416 otherwise). */
export function checkUriScheme(request: IncomingRequest): Answer | undefined {
  return isAbsoluteUri(request.requestUri) ? { status: 416, because: 'RFC 3261 §16.3 step 2' } : undefined;
}

/** Step 3, Max-Forwards: a request that may travel no further is answered 483 (SPEC S3). */
export function checkMaxForwards(request: IncomingRequest): Answer | undefined {
  return request.maxForwards === 0 ? { status: 483, because: 'S3 Max-Forwards' } : undefined;
}

/** Step 5, Proxy-Require: unknown option tags are refused with 420 and listed in Unsupported. */
export function checkProxyRequire(request: IncomingRequest): Answer | undefined {
  const unsupported = request.headers
    .values('proxy-require')
    .filter((tag) => tag !== '' && !SUPPORTED_PROXY_EXTENSIONS.has(tag.toLowerCase()));
  if (unsupported.length === 0) return undefined;
  return { status: 420, headers: [['Unsupported', unsupported.join(', ')]], because: 'RFC 3261 §16.3 step 5' };
}

/** A Warning value (RFC 3261 §20.43, code 399: miscellaneous) carrying a problem to the sender. */
export function warning(text: string): string {
  return `399 simple-edge "${text
    .replace(/[\\"]/g, '\\$&')
    .replace(/[\r\n]+/g, ' ')
    .slice(0, 200)}"`;
}
