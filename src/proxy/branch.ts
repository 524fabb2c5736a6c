// The branch of the Via the edge inserts (RFC 3261 §16.6 step 8), computed from the request alone so
// the edge can recognise its own earlier branch when a request comes back (loop detection, §16.3
// step 4). The branch has two parts: a loop key over what stays the same when a request loops
// (Request-URI as received, tags, Call-ID, CSeq number, Proxy-Require), and a transaction part over
// the received top Via and the attempt number, so each forwarded transaction is unique. The
// transaction part is keyed with a secret of this process: a response no transaction claims is relayed
// to the Via below the edge's only when the edge's branch vouches for that Via (§16.11 without
// letting anyone who writes two Vias aim the edge at a third party).

import { hash, randomBytes } from 'node:crypto';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { BRANCH_MAGIC_COOKIE } from '../sip/via.js';

const LOOP_KEY_LENGTH = 12;
const TRANSACTION_PART_LENGTH = 10;
/** Made once per process: only this process's branches vouch for the Vias below them. */
const BRANCH_SECRET = randomBytes(16).toString('hex');

export function loopKey(request: IncomingRequest): string {
  const parts = [
    request.requestUriText,
    request.to.tag ?? '',
    request.from.tag ?? '',
    request.callId,
    String(request.cseq.seq),
    request.headers.get('proxy-require') ?? '',
  ];
  return hash('sha1', parts.join('\n'), 'base64url').slice(0, LOOP_KEY_LENGTH);
}

export function forwardBranch(request: IncomingRequest, key: string, attempt: number): string {
  // The whole top Via as the edge forwards it (received and rport noted): branch and sent-by together
  // identify the server transaction (RFC 3261 §17.2.3), so two requests that share a branch from
  // different senders never share ours.
  return `${BRANCH_MAGIC_COOKIE}${key}.${transactionPart(request.stampedTopVia, request.method)}.${attempt}`;
}

/** Whether `branch` is one this process wrote above the Via value `below` for a `method` request. */
export function branchVouchesFor(branch: string | undefined, below: string, method: string): boolean {
  const part = branch?.split('.')[1];
  return part !== undefined && part === transactionPart(below, method);
}

/**
 * A keyed digest: the secret, then the Via and method, through one-shot SHA-256 (a fraction of an
 * HMAC's cost on the relay path). Only 60 bits of it go into the branch, so no length extension can
 * be built on it.
 */
function transactionPart(via: string, method: string): string {
  return hash('sha256', `${BRANCH_SECRET}\n${via}\n${method}`, 'base64url').slice(0, TRANSACTION_PART_LENGTH);
}

/** RFC 3261 §16.3 step 4: one of the edge's own Vias carries the loop key this request has now. */
export function isLoop(
  request: IncomingRequest,
  key: string,
  isOwnVia: (host: string, port: number | undefined) => boolean,
): boolean {
  const prefix = BRANCH_MAGIC_COOKIE + key + '.';
  return request.vias.some((via) => via.branch?.startsWith(prefix) === true && isOwnVia(via.host, via.port));
}
