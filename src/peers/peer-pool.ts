// The flows to one target (host, port, transport), as undici's Pool is to an origin: the open flow is
// shared by every request, and concurrent sends while none is open share one dial (SPEC F4). Idle
// close happens below, in the transport; the next acquire() simply dials again.

import type { Flow } from '../transport/flow.js';
import type { ConnectDestination } from '../transport/transport-layer.js';

/** What a pool dials with: the transport layer. */
export interface FlowDialer {
  connect(destination: ConnectDestination): Promise<Flow>;
}

export class PeerPool {
  readonly target: ConnectDestination;
  readonly #dialer: FlowDialer;
  #flow: Flow | undefined;
  #dial: Promise<Flow> | undefined;

  constructor(target: ConnectDestination, dialer: FlowDialer) {
    this.target = target;
    this.#dialer = dialer;
  }

  /** Nothing open and nothing being dialled: the pool may be dropped. */
  get isIdle(): boolean {
    return this.#dial === undefined && this.#flow?.isOpen !== true;
  }

  /** The open flow, else the dial in flight, else a new dial. */
  acquire(): Promise<Flow> {
    if (this.#flow?.isOpen === true) return Promise.resolve(this.#flow);
    this.#dial ??= this.#dialer.connect(this.target).then(
      (flow) => {
        this.#flow = flow;
        this.#dial = undefined;
        return flow;
      },
      (error: unknown) => {
        this.#dial = undefined;
        throw error;
      },
    );
    return this.#dial;
  }
}
