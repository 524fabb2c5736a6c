// The branch of the Via the edge inserts (RFC 3261 §16.6 step 8), computed from the request alone so
// the edge can recognise its own earlier branch when a request comes back (loop detection, §16.3
// step 4). The branch has two parts: a loop key over what stays the same when a request loops
// (Request-URI as received, tags, Call-ID, CSeq number, Proxy-Require), and a transaction part over
// the received top Via and the attempt number, so each forwarded transaction is unique.

import { hash } from 'node:crypto';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { BRANCH_MAGIC_COOKIE } from '../sip/via.js';

const LOOP_KEY_LENGTH = 12;

export function loopKey(request: IncomingRequest): string {
  const parts = [
    request.requestUriText, request.to.tag ?? '', request.from.tag ?? '', request.callId,
    String(request.cseq.seq), request.headers.get('proxy-require') ?? '',
  ];
  return hash('sha1', parts.join('\n'), 'base64url').slice(0, LOOP_KEY_LENGTH);
}

export function forwardBranch(request: IncomingRequest, key: string, attempt: number): string {
  // The whole received top Via: branch and sent-by together identify the server transaction
  // (RFC 3261 §17.2.3), so two requests that share a branch from different senders never share ours.
  const receivedVia = request.headers.values('via')[0]!;
  const transaction = hash('sha1', `${receivedVia}\n${request.method}`, 'base64url').slice(0, 10);
  return `${BRANCH_MAGIC_COOKIE}${key}.${transaction}.${attempt}`;
}

/** RFC 3261 §16.3 step 4: one of the edge's own Vias carries the loop key this request has now. */
export function isLoop(request: IncomingRequest, key: string, isOwnVia: (host: string, port: number | undefined) => boolean): boolean {
  const prefix = BRANCH_MAGIC_COOKIE + key + '.';
  return request.vias.some((via) => via.branch?.startsWith(prefix) === true && isOwnVia(via.host, via.port));
}
