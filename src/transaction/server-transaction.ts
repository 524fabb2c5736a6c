// The server side of a transaction as the proxy core sees it (RFC 3261 §17.2), whichever machine runs
// it. The TU answers through respond(); the transaction serialises each response once and keeps the
// bytes for retransmission.

import { EdgeError } from '../errors.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { Flow } from '../transport/flow.js';
import type { ResponseSender } from './response-sender.js';
import type { ServerInviteState } from './server-invite-transaction.js';
import type { ServerNonInviteState } from './server-non-invite-transaction.js';
import type { TerminationListener } from './transaction.js';

export interface ServerTransaction {
  /** The table key (§17.2.3). */
  readonly id: string;
  readonly request: IncomingRequest;
  /** The flow the request arrived on. */
  readonly flow: Flow;
  readonly state: ServerInviteState | ServerNonInviteState;
  /**
   * Send a response to the request. A state the machine does not send that response in (a provisional
   * after the final, a second final) throws TransactionStateError.
   */
  respond(response: OutgoingMessage): void;
  /**
   * Told once on Terminated. Cause `timeout` on an INVITE transaction is timer H: the ACK never came,
   * the "transaction failure" §17.2.1 says the TU must hear of.
   */
  onTerminated(listener: TerminationListener): void;
  /** Stop every timer and end the transaction now (a TU that will never answer, shutdown). */
  terminate(): void;
}

export interface ServerTransactionOptions {
  readonly request: IncomingRequest;
  readonly responseSender: ResponseSender;
}

const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) /i;

/** The status code of a response the TU hands over. */
export function statusOf(response: OutgoingMessage): number {
  const line = response.startLine;
  // Every response is read here once per hop and again by the border records: the digits are read in
  // place rather than through a match array, and the pattern checks only what does not fit that form.
  const fast = statusDigits(line);
  if (fast !== undefined) return fast;
  const match = STATUS_LINE.exec(line);
  if (match === null) throw new EdgeError('STATUS_CODE_INVALID', `"${line.slice(0, 40)}" is not a status line`);
  return Number(match[1]);
}

/** "SIP/2.0 NNN " as the edge and its peers write it; undefined for anything else (the pattern decides). */
function statusDigits(line: string): number | undefined {
  if (!line.startsWith('SIP/2.0 ') || line.charCodeAt(11) !== 0x20) return undefined;
  const a = line.charCodeAt(8) - 0x30;
  const b = line.charCodeAt(9) - 0x30;
  const c = line.charCodeAt(10) - 0x30;
  if (a < 1 || a > 6 || b < 0 || b > 9 || c < 0 || c > 9) return undefined;
  return a * 100 + b * 10 + c;
}
