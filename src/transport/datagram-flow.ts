// A flow over UDP (RFC 5626 §3: a listener socket paired with one remote address and port). No
// connection exists, so closing only forgets the pairing; the listener socket stays open.

import type { Socket } from 'node:dgram';
import { BaseFlow, type FlowContext, type FlowInit } from './base-flow.js';

/** RFC 768 over IPv4: 65,535 minus the IP and UDP headers. Larger sends would fail asynchronously. */
const MAX_DATAGRAM_BYTES = 65_507;

/** Whoever caches the flow per remote endpoint, to be told when it closes. */
export interface DatagramFlowOwner {
  forget(flow: DatagramFlow): void;
}

export class DatagramFlow extends BaseFlow {
  readonly reliable = false;
  readonly #socket: Socket;
  readonly #owner: DatagramFlowOwner;

  constructor(socket: Socket, owner: DatagramFlowOwner, init: FlowInit, context: FlowContext) {
    super(init, context);
    this.#socket = socket;
    this.#owner = owner;
  }

  send(bytes: Buffer): boolean {
    if (!this.isOpen || bytes.length > MAX_DATAGRAM_BYTES) return false;
    // Send errors (unreachable networks) surface as the socket's 'error' event, which the listener logs.
    this.#socket.send(bytes, this.remote.port, this.remote.address);
    this.touch();
    return true;
  }

  /** A message arrived from the remote endpoint: the flow is in use. */
  noteReceived(): void {
    this.touch();
  }

  protected release(): void {
    this.#owner.forget(this);
  }
}
