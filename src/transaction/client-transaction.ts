// The client side of a transaction as the proxy core sees it (RFC 3261 §17.1), whichever machine runs
// it, and the handlers through which it reports back. Handlers are never called from inside
// sendRequest(): even a first send that fails is reported on the next clock turn.

import type { IncomingResponse } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { Flow } from '../transport/flow.js';
import type { ClientInviteState } from './client-invite-transaction.js';
import type { ClientNonInviteState } from './client-non-invite-transaction.js';
import type { TerminationListener } from './transaction.js';

export interface ClientTransactionHandlers {
  /** Every response passed up: provisionals, then the final (§17.1.1.2, §17.1.2.2); never retransmissions of a final. */
  onResponse(response: IncomingResponse): void;
  /** Timer B or F fired before a final response (§17.1.1.2, §17.1.2.2): the TU treats it as a 408. */
  onTimeout(): void;
  /** §17.1.4: the request could not be sent, or its flow closed before a final response arrived. */
  onTransportError(): void;
}

export interface ClientTransaction {
  /** The table key: branch and method (§17.1.3). */
  readonly id: string;
  readonly method: string;
  readonly branch: string;
  /** The request as sent; the proxy builds a CANCEL from it (§9.1). */
  readonly request: OutgoingMessage;
  readonly flow: Flow;
  readonly state: ClientInviteState | ClientNonInviteState;
  /** §9.1: a CANCEL may be sent only once the INVITE got a provisional response. */
  readonly receivedProvisional: boolean;
  /** Stop every timer and end the transaction without calling the handlers (shutdown, an abandoned branch). */
  terminate(): void;
  onTerminated(listener: TerminationListener): void;
}

export interface ClientTransactionOptions {
  readonly request: OutgoingMessage;
  /** The branch of the request's top Via, already written there. */
  readonly branch: string;
  readonly handlers: ClientTransactionHandlers;
}
