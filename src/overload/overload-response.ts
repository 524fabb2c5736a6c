// The cheap side of overload control (SPEC Y5, RFC 5390 §5): what a just-framed message is, read from
// its indexed header lines alone, and the 503 with Retry-After that sheds it — built from the
// request's Via, From, To, Call-ID and CSeq lines with no header grammar run and no state kept.

import { createResponse } from '../sip/create-response.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import type { SourceAddress } from '../sip/via-stamp.js';

/** `new`: an out-of-dialog request that would start work; `priority`: goes first, never shed. */
export type AdmissionClass = 'new' | 'priority';

const BRANCH = /;\s*branch\s*=\s*([^;,\s]+)/i;
const ANSWER_NEEDS = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * RFC 6357 §4: responses, ACK and CANCEL finish work already admitted, and a request whose To has a
 * tag belongs to a dialog already set up; shedding them would waste that work. Everything else is new.
 */
export function admissionClassOf(message: IncomingMessage): AdmissionClass {
  if (message.kind === 'response') return 'priority';
  if (message.method === 'ACK' || message.method === 'CANCEL') return 'priority';
  // The parsed To (cached on the message: the request route reads it next), not a pattern over the
  // line: `To: <sip:bob@b.example.net;tag=x>` carries a URI parameter, not a dialog's tag, and must
  // not let a flood pass as in-dialog traffic. A To that does not parse starts no dialog either.
  try {
    return message.to.tag === undefined ? 'new' : 'priority';
  } catch {
    return 'new';
  }
}

/** The top Via's branch as received, to know a UDP retransmission of a request already shed. */
export function branchOf(message: IncomingMessage): string | undefined {
  const via = message.headers.get('via');
  return via === undefined ? undefined : BRANCH.exec(via)?.[1];
}

/**
 * The 503 with Retry-After for a request being shed, or undefined when the lines a response is made
 * of are missing (then the request is dropped). The To tag is derived from the request, so every
 * retransmission of it gets the very same answer without the edge remembering it.
 */
export function overloadResponse(
  message: IncomingMessage,
  source: SourceAddress,
  retryAfterSeconds: number,
): Buffer | undefined {
  const headers = message.headers;
  for (const name of ANSWER_NEEDS) if (!headers.has(name)) return undefined;
  const toTag = `ov${stableHash(`${headers.get('call-id')} ${headers.get('from')} ${headers.get('cseq')}`)}`;
  return createResponse({ headers, source }, 503, {
    toTag,
    headers: [['Retry-After', String(retryAfterSeconds)]],
  }).toBuffer();
}

/** FNV-1a, 32 bits, as hex: enough to tell requests apart in a tag, and cheap. */
function stableHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
