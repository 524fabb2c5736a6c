// RFC 3261 §17.2.1 with RFC 6026 §7.1: the INVITE server transaction (Proceeding → Completed →
// Confirmed → Terminated, or Proceeding → Accepted → Terminated after a 2xx). It answers 100 Trying if
// the TU is silent for 200 ms, retransmits a 300-699 final over UDP until the ACK (timers G, H), absorbs
// ACK retransmissions (timer I), and in Accepted forwards further 2xx and absorbs retransmitted INVITEs
// for 64*T1 (timer L), so that none of them looks like a new request.

import { createResponse } from '../sip/create-response.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { parseNameAddr } from '../sip/name-addr.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ResponseSender } from './response-sender.js';
import { statusOf, type ServerTransaction, type ServerTransactionOptions } from './server-transaction.js';
import { Transaction, type TransactionContext } from './transaction.js';
import { isRfc3261Branch } from './transaction-key.js';
import type { TransitionTable } from './transaction-state-error.js';
import { transactionTimeoutMs } from './transaction-timers.js';

export type ServerInviteState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

const TRANSITIONS: TransitionTable<ServerInviteState> = {
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

/** §17.2.1: the TU has 200 ms to send a provisional before the transaction sends 100 Trying itself. */
const TRYING_DELAY_MS = 200;

export class ServerInviteTransaction extends Transaction<ServerInviteState> implements ServerTransaction {
  readonly request: IncomingRequest;
  readonly #sender: ResponseSender;
  #provisional: Buffer | undefined;
  #final: Buffer | undefined;
  /** RFC 2543 ACK matching (§17.2.3): the To tag of the final response sent. */
  #finalToTag: string | undefined;

  constructor(context: TransactionContext, options: ServerTransactionOptions) {
    super(context, { machine: 'server INVITE transaction', initial: 'proceeding', transitions: TRANSITIONS });
    this.request = options.request;
    this.#sender = options.responseSender;
    this.startTimer('Trying', TRYING_DELAY_MS, () => this.respond(createResponse(this.request, 100)));
  }

  /** The To tag of the final response, for matching an RFC 2543 ACK; undefined before a final. */
  get finalResponseToTag(): string | undefined {
    return this.#finalToTag;
  }

  respond(response: OutgoingMessage): void {
    const status = statusOf(response);
    if (this.state === 'accepted' && status >= 200 && status < 300) return this.#send(response.toBuffer());
    if (this.state !== 'proceeding') this.refuse(`send a ${status} response`);
    this.stopTimer('Trying');
    const bytes = response.toBuffer();
    if (status < 200) {
      this.#provisional = bytes;
      return this.#send(bytes);
    }
    if (!isRfc3261Branch(this.request.topVia.branch)) this.#finalToTag = toTagOf(response);
    this.#send(bytes);
    if (status < 300) return this.#accept();
    this.#final = bytes;
    this.moveTo('completed');
    // §17.2.1: timer G retransmits over UDP only; timer H bounds the wait for the ACK on every transport.
    if (!this.flow.reliable) this.#startTimerG(this.timers.t1Ms);
    this.startTimer('H', transactionTimeoutMs(this.timers), () => this.moveTo('terminated', 'timeout'));
  }

  /** A retransmitted INVITE (§17.2.1): resend the last provisional, or the final; absorbed after a 2xx or ACK. */
  receiveRetransmission(): void {
    if (this.state === 'proceeding' && this.#provisional !== undefined) this.#send(this.#provisional);
    else if (this.state === 'completed' && this.#final !== undefined) this.#send(this.#final);
  }

  /**
   * An ACK matched to this transaction. True when the transaction absorbs it; false when it belongs to
   * the TU: the ACK for a 2xx arriving in Accepted (RFC 6026 §7.1), or an RFC 2543 ACK whose To tag is
   * not the final response's.
   */
  receiveAck(ack: IncomingRequest): boolean {
    if (this.state === 'accepted' || this.state === 'terminated') return false;
    if (this.#finalToTag !== undefined && ack.to.tag !== this.#finalToTag) return false;
    if (this.state !== 'completed') return true; // Confirmed: a retransmitted ACK, absorbed
    this.moveTo('confirmed');
    this.stopTimer('G');
    this.stopTimer('H');
    // §17.2.1: timer I absorbs ACK retransmissions for T4 over UDP; zero when reliable.
    if (this.flow.reliable) this.moveTo('terminated');
    else this.startTimer('I', this.timers.t4Ms, () => this.moveTo('terminated'));
    return true;
  }

  /** RFC 6026 §7.1: after a 2xx, wait 64*T1 (timer L) absorbing INVITE retransmissions. */
  #accept(): void {
    this.moveTo('accepted');
    this.startTimer('L', transactionTimeoutMs(this.timers), () => this.moveTo('terminated'));
  }

  /** §17.2.1: timer G starts at T1 and doubles up to T2. */
  #startTimerG(intervalMs: number): void {
    this.startTimer('G', intervalMs, () => {
      if (this.#final !== undefined) this.#send(this.#final);
      this.#startTimerG(Math.min(intervalMs * 2, this.timers.t2Ms));
    });
  }

  #send(bytes: Buffer): void {
    this.#sender.sendResponse(bytes, this.request, this.flow);
  }
}

function toTagOf(response: OutgoingMessage): string | undefined {
  const to = response.get('To');
  return to === undefined ? undefined : parseNameAddr(to, 'To').tag;
}
