// SPEC I6, RFC 5626 §5.3: a request for a client registered with outbound goes over the flow it
// registered on, found by id, or nowhere. Shared by the transport layer and the virtual network.

import type { Flow } from './flow.js';
import { TransportError } from './transport-error.js';

/** The flow while it is open; FLOW_FAILED once it has closed (the proxy answers 430 Flow Failed). */
export function recordedFlow(flow: Flow | undefined, id: string): Flow {
  if (flow?.isOpen === true) return flow;
  throw new TransportError('FLOW_FAILED', `flow ${id} is closed`);
}
