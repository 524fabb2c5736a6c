// What the transaction layer hands up to the transaction user (the proxy core): RFC 3261 §17 leaves
// every message that matches no transaction to the TU.

import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import type { Flow } from '../transport/flow.js';
import type { ServerTransaction } from './server-transaction.js';

export interface TransactionUser {
  /** A new request (not ACK) that matched no transaction: the server transaction is created and handed over. */
  onRequest(request: IncomingRequest, transaction: ServerTransaction): void;
  /** An ACK that matched no INVITE server transaction (the ACK for a 2xx, RFC 3261 §17.2.3 / §16.7 step 10 stateless forward). */
  onAck(ack: IncomingRequest, flow: Flow): void;
  /** A response that matched no client transaction (a retransmitted 2xx to INVITE, a stray): RFC 3261 §16.7 / §18.1.2. */
  onStrayResponse(response: IncomingResponse, flow: Flow): void;
}
