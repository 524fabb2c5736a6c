// The answer to bytes that are not a valid SIP request (SPEC Y4): when the header block could be
// indexed and has a Via, the sender gets the error's status (400, 505, 513 …) with a Warning saying
// why (RFC 3261 §20.43, warn-code 399); responses and ACKs are never answered (RFC 3261 §17.1.1.2).

import { createResponse } from '../sip/create-response.js';
import type { ErrorFrame } from '../sip/parsed-frame.js';
import type { SourceAddress } from '../sip/via-stamp.js';

/** Longest reason text put in the Warning, so an attacker's bytes are not echoed at length. */
const MAX_WARNING_TEXT = 200;

/** The bytes of the response to send, or undefined when the frame must be dropped unanswered. */
export function malformedRequestResponse(
  frame: ErrorFrame,
  localAddress: string,
  source: SourceAddress,
): Buffer | undefined {
  const headers = frame.headers;
  if (headers === undefined || !headers.has('via')) return undefined;
  // The index's text starts at the start line: a status line means a response, which nobody answers.
  if (headers.text.startsWith('SIP/') || headers.text.startsWith('ACK ')) return undefined;
  const { status, reason, message } = frame.error;
  const warnAgent = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  const warning = `399 ${warnAgent} "${warningText(message)}"`;
  return createResponse({ headers, source }, status, { reason, headers: [['Warning', warning]] }).toBuffer();
}

/** RFC 3261 §25.1 quoted-string: escape quotes and backslashes; control characters never reach the wire. */
export function warningText(text: string): string {
  return text
    .slice(0, MAX_WARNING_TEXT)
    .replace(/[\x00-\x1f\x7f]/g, ' ')
    .replace(/["\\]/g, '\\$&');
}
