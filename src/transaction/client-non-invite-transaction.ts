// RFC 3261 §17.1.2: the non-INVITE client transaction (Trying → Proceeding → Completed → Terminated).
// Over UDP it retransmits (timer E: T1 doubling up to T2, then T2 once in Proceeding), gives up after
// 64*T1 (timer F) and lingers T4 after the final to absorb its retransmissions (timer K).

import type { IncomingResponse } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ClientTransaction, ClientTransactionHandlers, ClientTransactionOptions } from './client-transaction.js';
import { Transaction, type TransactionContext } from './transaction.js';
import type { TransitionTable } from './transaction-state-error.js';
import { transactionTimeoutMs } from './transaction-timers.js';

export type ClientNonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const TRANSITIONS: TransitionTable<ClientNonInviteState> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class ClientNonInviteTransaction extends Transaction<ClientNonInviteState> implements ClientTransaction {
  readonly method: string;
  readonly branch: string;
  readonly request: OutgoingMessage;
  readonly #handlers: ClientTransactionHandlers;
  readonly #requestBytes: Buffer;
  #receivedProvisional = false;

  constructor(context: TransactionContext, options: ClientTransactionOptions & { readonly method: string }) {
    super(context, { machine: `client ${options.method} transaction`, initial: 'trying', transitions: TRANSITIONS });
    this.method = options.method;
    this.branch = options.branch;
    this.request = options.request;
    this.#handlers = options.handlers;
    this.#requestBytes = options.request.toBuffer();
  }

  get receivedProvisional(): boolean {
    return this.#receivedProvisional;
  }

  /** §17.1.2.2: send the request, start timer E (unreliable transports only) and timer F. */
  start(): void {
    if (!this.sendFirst(this.#requestBytes, () => this.#failTransport())) return;
    if (!this.flow.reliable) this.#startTimerE(this.timers.t1Ms);
    this.startTimer('F', transactionTimeoutMs(this.timers), () => this.#onTimerF());
  }

  /** A response the layer matched to this transaction (§17.1.3); in Completed all are absorbed. */
  receiveResponse(response: IncomingResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      if (this.state === 'trying') this.moveTo('proceeding');
      this.#receivedProvisional = true;
      this.#handlers.onResponse(response);
      return;
    }
    this.moveTo('completed');
    this.stopTimer('E');
    this.stopTimer('F');
    // §17.1.2.2: timer K is T4 over UDP (to absorb retransmitted finals), zero when reliable.
    if (this.flow.reliable) this.moveTo('terminated');
    else this.startTimer('K', this.timers.t4Ms, () => this.moveTo('terminated'));
    this.#handlers.onResponse(response);
  }

  /** The flow closed: before a final response that is a transport error (§17.1.4). */
  flowClosed(): void {
    if (this.state === 'trying' || this.state === 'proceeding') this.#failTransport();
  }

  /** §17.1.2.2: in Trying, E doubles from T1 up to T2; in Proceeding it is T2. */
  #startTimerE(intervalMs: number): void {
    this.startTimer('E', intervalMs, () => {
      if (!this.flow.isOpen || !this.flow.send(this.#requestBytes)) return this.#failTransport();
      const next = this.state === 'proceeding' ? this.timers.t2Ms : Math.min(intervalMs * 2, this.timers.t2Ms);
      this.#startTimerE(next);
    });
  }

  #onTimerF(): void {
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
