// RFC 3261 §17.2.2: the non-INVITE server transaction (Trying → Proceeding → Completed → Terminated).
// A retransmitted request is absorbed in Trying and answered with the last response after that; the
// transaction lingers 64*T1 over UDP after its final (timer J) so late retransmissions still get it.

import type { IncomingRequest } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ResponseSender } from './response-sender.js';
import { statusOf, type ServerTransaction, type ServerTransactionOptions } from './server-transaction.js';
import { Transaction, type TransactionContext } from './transaction.js';
import type { TransitionTable } from './transaction-state-error.js';
import { transactionTimeoutMs } from './transaction-timers.js';

export type ServerNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const TRANSITIONS: TransitionTable<ServerNonInviteState> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class ServerNonInviteTransaction extends Transaction<ServerNonInviteState> implements ServerTransaction {
  readonly request: IncomingRequest;
  readonly #sender: ResponseSender;
  /** The last response sent: the one a retransmitted request gets again. */
  #last: Buffer | undefined;

  constructor(context: TransactionContext, options: ServerTransactionOptions) {
    super(context, {
      machine: `server ${options.request.method} transaction`,
      initial: 'trying',
      transitions: TRANSITIONS,
    });
    this.request = options.request;
    this.#sender = options.responseSender;
  }

  respond(response: OutgoingMessage): void {
    const status = statusOf(response);
    // §17.2.2: the TU's responses after the final are not sent.
    if (this.state !== 'trying' && this.state !== 'proceeding') this.refuse(`send a ${status} response`);
    this.#last = response.toBuffer();
    if (status < 200) {
      if (this.state === 'trying') this.moveTo('proceeding');
      return this.#send(this.#last);
    }
    this.moveTo('completed');
    this.#send(this.#last);
    // §17.2.2: timer J is 64*T1 over UDP, zero when reliable.
    if (this.flow.reliable) this.moveTo('terminated');
    else this.startTimer('J', transactionTimeoutMs(this.timers), () => this.moveTo('terminated'));
  }

  /** §17.2.2: a retransmitted request is absorbed in Trying, else answered with the last response. */
  receiveRetransmission(): void {
    if (this.state === 'trying' || this.state === 'terminated' || this.#last === undefined) return;
    this.#send(this.#last);
  }

  #send(bytes: Buffer): void {
    this.#sender.sendResponse(bytes, this.request, this.flow);
  }
}
