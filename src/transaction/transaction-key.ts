// The transaction table's keys. Requests (RFC 3261 §17.2.3): the top Via's branch, sent-by and method
// when the branch carries the magic cookie; otherwise (an RFC 2543 sender) the Request-URI, To tag,
// From tag, Call-ID, CSeq number, top Via and method. Responses (§17.1.3): the top Via's branch and
// the CSeq method. ACK and CANCEL look up with method INVITE to find the INVITE they belong to.
// Server keys are scoped to the flow the request arrived on: a request over another transport or
// connection never matches a transaction it did not start (nor gets its stored response).

import { splitHeaderList } from '../sip/header-list.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { BRANCH_MAGIC_COOKIE, viaSentBy } from '../sip/via.js';

// A line feed cannot occur in any part once header values are unfolded.
const SEPARATOR = '\n';

/** §8.1.1.7: a branch starting with the magic cookie is unique per transaction. */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE);
}

/**
 * The key of the server transaction `request` belongs to, as if its method were `method`. In RFC 2543
 * matching `toTag` stands in for the request's To tag (null: none), since an ACK carries the response's.
 */
export function serverTransactionKey(
  request: IncomingRequest,
  flowId: string,
  method: string,
  toTag?: string | null,
): string {
  const via = request.topVia;
  if (isRfc3261Branch(via.branch)) {
    // Host names compare case-insensitively (§19.1.4); the branch as sent.
    return flowId + SEPARATOR + via.branch + SEPARATOR + viaSentBy(via).toLowerCase() + SEPARATOR + method;
  }
  const tag = toTag === undefined ? request.to.tag : toTag;
  const topVia = splitHeaderList(request.headers.get('via') ?? '', [])[0] ?? '';
  return [
    flowId,
    '2543',
    method,
    request.requestUriText,
    tag ?? '',
    request.from.tag ?? '',
    request.callId,
    String(request.cseq.seq),
    topVia,
  ].join(SEPARATOR);
}

/** §17.1.3: a response matches the client transaction with its top Via branch and CSeq method. */
export function clientTransactionKey(branch: string, method: string): string {
  return branch + SEPARATOR + method;
}
