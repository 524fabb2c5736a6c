// The two addresses the rules of one chain key the store by (P2, P3, P4, Y1, Y2): a MESSAGE's inbound
// chain asks for its target and sender eight times, and working them out each time costs about 2 µs
// a request. The last request's addresses are kept, one slot each, compared by identity; a chain that
// interleaves with another's merely works its address out again. The slots belong to the policy that
// runs the chains (one per BorderPolicy), never to the module, and hold one request at most.

import { senderAddress, targetAddress } from '../sip/address-of-record.js';
import type { IncomingRequest } from '../sip/incoming-message.js';

export class RequestAddresses {
  #targetOf: IncomingRequest | undefined;
  #target = '';
  #senderOf: IncomingRequest | undefined;
  #sender = '';

  /** The request's target: its Request-URI's address-of-record. */
  target(request: IncomingRequest): string {
    if (this.#targetOf !== request) {
      this.#target = targetAddress(request);
      this.#targetOf = request;
    }
    return this.#target;
  }

  /** The request's originator: its From URI's address-of-record. */
  sender(request: IncomingRequest): string {
    if (this.#senderOf !== request) {
      this.#sender = senderAddress(request);
      this.#senderOf = request;
    }
    return this.#sender;
  }
}
