// RFC 3261 §17.1.1: the INVITE client transaction (Calling → Proceeding → Completed → Terminated).
// It retransmits the INVITE over UDP (timer A), gives up after 64*T1 in Calling (timer B), ACKs a
// 300-699 final itself and lingers to re-ACK its retransmissions (timer D). A 2xx moves it to RFC
// 6026's Accepted state for timer M (64*T1), passing every further 2xx up, so a proxy relays the
// retransmissions of a 2xx whose first copy was lost upstream (RFC 6026 §7.2, §8.4).

import type { IncomingResponse } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ClientTransaction, ClientTransactionHandlers, ClientTransactionOptions } from './client-transaction.js';
import { createAck } from './create-ack.js';
import { Transaction, type TransactionContext } from './transaction.js';
import type { TransitionTable } from './transaction-state-error.js';
import { TIMER_D_UNRELIABLE_MS, transactionTimeoutMs } from './transaction-timers.js';

export type ClientInviteState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

const TRANSITIONS: TransitionTable<ClientInviteState> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class ClientInviteTransaction extends Transaction<ClientInviteState> implements ClientTransaction {
  readonly method = 'INVITE';
  readonly branch: string;
  readonly request: OutgoingMessage;
  readonly #handlers: ClientTransactionHandlers;
  readonly #requestBytes: Buffer;
  #ackBytes: Buffer | undefined;
  #receivedProvisional = false;

  constructor(context: TransactionContext, options: ClientTransactionOptions) {
    super(context, { machine: 'client INVITE transaction', initial: 'calling', transitions: TRANSITIONS });
    this.branch = options.branch;
    this.request = options.request;
    this.#handlers = options.handlers;
    this.#requestBytes = options.request.toBuffer();
  }

  get receivedProvisional(): boolean {
    return this.#receivedProvisional;
  }

  /** §17.1.1.2: send the INVITE, start timer A (unreliable transports only) and timer B. */
  start(): void {
    if (!this.sendFirst(this.#requestBytes, () => this.#failTransport())) return;
    if (!this.flow.reliable) this.#startTimerA(this.timers.t1Ms);
    this.startTimer('B', transactionTimeoutMs(this.timers), () => this.#onTimerB());
  }

  /** A response the layer matched to this transaction (§17.1.3). */
  receiveResponse(response: IncomingResponse): void {
    const state = this.state;
    if (state === 'calling' || state === 'proceeding') {
      if (response.status < 200) this.#onProvisional(response);
      else if (response.status < 300) this.#onSuccess(response);
      else this.#onFailure(response);
    } else if (state === 'accepted' && response.status >= 200 && response.status < 300) {
      // RFC 6026 §8.4: a 2xx in Accepted (a retransmission, or another fork's) goes to the TU.
      this.#handlers.onResponse(response);
    } else if (state === 'completed' && response.status >= 300) {
      // §17.1.1.2: a retransmitted final is ACKed again and not passed up.
      if (this.#ackBytes !== undefined) this.flow.send(this.#ackBytes);
    }
  }

  /** The flow closed: before a final response that is a transport error (§17.1.4). */
  flowClosed(): void {
    if (this.state === 'calling' || this.state === 'proceeding') this.#failTransport();
  }

  #onProvisional(response: IncomingResponse): void {
    // §17.1.1.2: Proceeding stops retransmissions; timer B only bounds the Calling state.
    if (this.state === 'calling') {
      this.moveTo('proceeding');
      this.stopTimer('A');
      this.stopTimer('B');
    }
    this.#receivedProvisional = true;
    this.#handlers.onResponse(response);
  }

  #onSuccess(response: IncomingResponse): void {
    // RFC 6026 §8.4: Accepted for timer M; the ACK for a 2xx is the TU's (§13.2.2.4, §16.7 step 10).
    this.moveTo('accepted');
    this.stopTimer('A');
    this.stopTimer('B');
    this.startTimer('M', transactionTimeoutMs(this.timers), () => this.moveTo('terminated'));
    this.#handlers.onResponse(response);
  }

  #onFailure(response: IncomingResponse): void {
    this.#ackBytes = createAck(this.request, response).toBuffer();
    this.flow.send(this.#ackBytes);
    this.moveTo('completed');
    this.stopTimer('A');
    this.stopTimer('B');
    // §17.1.1.2: timer D, at least 32 s over UDP to re-ACK retransmitted finals, zero when reliable.
    if (this.flow.reliable) this.moveTo('terminated');
    else this.startTimer('D', TIMER_D_UNRELIABLE_MS, () => this.moveTo('terminated'));
    this.#handlers.onResponse(response);
  }

  /** §17.1.1.2: timer A starts at T1 and doubles on each retransmission (no T2 cap for INVITE). */
  #startTimerA(intervalMs: number): void {
    this.startTimer('A', intervalMs, () => {
      if (!this.flow.isOpen || !this.flow.send(this.#requestBytes)) return this.#failTransport();
      this.#startTimerA(intervalMs * 2);
    });
  }

  #onTimerB(): void {
    if (!this.flow.isOpen) return this.#failTransport();
    this.moveTo('terminated', 'timeout');
    this.#handlers.onTimeout();
  }

  #failTransport(): void {
    if (this.isTerminated) return; // the flow's close and a failed send can both report it
    this.moveTo('terminated', 'transport-error');
    this.#handlers.onTransportError();
  }
}
