// Flows without sockets, for an edge driven by inject(): a message "arrives" on a virtual flow, and
// every flow the edge dials is virtual too. What the edge sends on any of them lands in one ordered
// log, so a caller sees the responses and the onward requests a message caused, and where they went.

import type { Endpoint, Flow, Side, TransportProtocol } from './flow.js';
import { recordedFlow } from './recorded-flow.js';
import type { ConnectDestination } from './transport-layer.js';

export interface VirtualFlowInit {
  readonly side: Side;
  readonly protocol: TransportProtocol;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly peerIdentity?: readonly string[];
  /** Set on the flows the edge dialled: the destination it asked for. */
  readonly destination?: ConnectDestination;
}

/** One send on a virtual flow, in the order the edge sent them. */
export interface VirtualSend {
  readonly flow: VirtualFlow;
  readonly bytes: Buffer;
}

export class VirtualFlow implements Flow {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly side: Side;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly reliable: boolean;
  readonly peerIdentity: readonly string[] | undefined;
  readonly destination: ConnectDestination | undefined;
  #open = true;
  readonly #record: (send: VirtualSend) => void;

  constructor(id: string, init: VirtualFlowInit, record: (send: VirtualSend) => void) {
    this.id = id;
    this.protocol = init.protocol;
    this.side = init.side;
    this.local = init.local;
    this.remote = init.remote;
    this.reliable = init.protocol !== 'udp';
    this.peerIdentity = init.peerIdentity;
    this.destination = init.destination;
    this.#record = record;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  send(bytes: Buffer): boolean {
    if (!this.#open) return false;
    this.#record({ flow: this, bytes });
    return true;
  }

  ref(): void {}

  unref(): void {}

  close(): void {
    this.#open = false;
  }
}

/** Stands in for the transport layer: the flows the edge is given and dials, and what it sent on them. */
export class VirtualNetwork {
  readonly #flows = new Map<string, VirtualFlow>();
  readonly #sent: VirtualSend[] = [];
  #serial = 0;

  /** Every send so far, oldest first; a caller remembers the length to see what came later. */
  get sent(): readonly VirtualSend[] {
    return this.#sent;
  }

  get flows(): Iterable<Flow> {
    return this.#flows.values();
  }

  /** A flow from a remote endpoint to the edge (what accepting a connection or a datagram would make). */
  openFlow(init: VirtualFlowInit): VirtualFlow {
    const flow = new VirtualFlow(`virtual-${++this.#serial}`, init, (send) => this.#sent.push(send));
    this.#flows.set(flow.id, flow);
    return flow;
  }

  findFlow(id: string): Flow | undefined {
    return this.#flows.get(id);
  }

  /** A dial: the open flow to the same destination again, else a new one (as a pool would share it). */
  async connect(destination: ConnectDestination): Promise<Flow> {
    if (destination.flow !== undefined) return recordedFlow(this.#flows.get(destination.flow), destination.flow);
    for (const flow of this.#flows.values()) {
      const to = flow.destination;
      if (to === undefined || !flow.isOpen) continue;
      if (to.side === destination.side && to.protocol === destination.protocol && sameEndpoint(to, destination))
        return flow;
    }
    return this.openFlow({
      side: destination.side,
      protocol: destination.protocol,
      local: { address: '0.0.0.0', port: 0 },
      remote: { address: destination.address, port: destination.port },
      ...(destination.servername === undefined ? {} : { peerIdentity: [destination.servername] }),
      destination,
    });
  }
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port;
}
