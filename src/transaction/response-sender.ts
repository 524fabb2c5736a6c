// How server transactions put responses on the wire: the transport decides between the request's own
// connection and the Via (RFC 3261 §18.2.2), so the transaction layer only names the request and flow.

import type { IncomingRequest } from '../sip/incoming-message.js';
import type { Flow } from '../transport/flow.js';

export interface ResponseSender {
  /** RFC 3261 §18.2.2: send a response for `request` that arrived on `flow` (same connection when alive, else per the Via). */
  sendResponse(bytes: Buffer, request: IncomingRequest, flow: Flow): void;
}
