// One UDP listener socket (SPEC F1): each datagram is parsed on its own (RFC 3261 §18.3), messages
// are delivered on the flow for their source, malformed requests are answered to the source address,
// and flows are cached per remote endpoint until they idle out.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { ErrorFrame } from '../sip/parsed-frame.js';
import type { FlowContext } from './base-flow.js';
import { DatagramFlow, type DatagramFlowOwner } from './datagram-flow.js';
import type { Endpoint, Side } from './flow.js';
import { flowId, type FlowDirection } from './flow-id.js';
import { malformedRequestResponse } from './malformed-request-response.js';
import { datagramResponsePortOf } from '../sip/via-stamp.js';
import { bindingRequestId, bindingSuccess, looksLikeStun } from './stun-binding.js';

/** How far down the cache an eviction looks for an unreferenced flow before giving up. */
const EVICTION_SCAN = 16;

export interface UdpListenerInit {
  readonly side: Side;
  readonly address: string;
  readonly port: number;
  readonly context: FlowContext;
  /** Serial numbers for flow ids, unique across the layer. */
  nextSerial(): number;
}

export class UdpListener implements DatagramFlowOwner {
  readonly protocol = 'udp' as const;
  readonly side: Side;
  readonly ipv6: boolean;
  readonly #init: UdpListenerInit;
  readonly #socket: Socket;
  /** Insertion order is creation order, so the first entries are the oldest. */
  readonly #flows = new Map<string, DatagramFlow>();
  #local: Endpoint;

  constructor(init: UdpListenerInit) {
    this.#init = init;
    this.side = init.side;
    this.ipv6 = isIPv6(init.address);
    this.#local = { address: init.address, port: init.port };
    this.#socket = createSocket({ type: this.ipv6 ? 'udp6' : 'udp4', ipv6Only: this.ipv6 });
  }

  get local(): Endpoint {
    return this.#local;
  }

  get flows(): Iterable<DatagramFlow> {
    return this.#flows.values();
  }

  bind(): Promise<void> {
    const socket = this.#socket;
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.#init.address, port: this.#init.port }, () => {
        socket.off('error', reject);
        socket.on('error', this.#onSocketError);
        socket.on('message', this.#onDatagram);
        this.#local = { address: this.#init.address, port: socket.address().port };
        resolve();
      });
    });
  }

  /** The flow to a remote endpoint, created when none is cached. */
  flowTo(address: string, port: number, direction: FlowDirection = 'inbound'): DatagramFlow {
    const key = `${address} ${port}`;
    const cached = this.#flows.get(key);
    if (cached !== undefined) return cached;
    if (this.#flows.size >= this.#init.context.limits.maxConnections) this.#evictOne();
    const remote = { address, port };
    const id = flowId('udp', this.#local, remote, direction, this.#init.nextSerial());
    const flow = new DatagramFlow(
      this.#socket,
      this,
      { id, protocol: 'udp', side: this.side, local: this.#local, remote },
      this.#init.context,
    );
    this.#flows.set(key, flow);
    return flow;
  }

  forget(flow: DatagramFlow): void {
    const key = `${flow.remote.address} ${flow.remote.port}`;
    if (this.#flows.get(key) === flow) this.#flows.delete(key);
  }

  close(): Promise<void> {
    for (const flow of [...this.#flows.values()]) flow.close('shutdown');
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
  }

  readonly #onDatagram = (datagram: Buffer, source: RemoteInfo): void => {
    const context = this.#init.context;
    try {
      if (looksLikeStun(datagram)) return this.#answerStun(datagram, source);
      const frame = parseDatagram(datagram, context.limits.parser);
      if (frame.kind === 'message') {
        const flow = this.flowTo(source.address, source.port);
        const verdict = context.admission?.judge(frame.message, flow, source);
        if (verdict !== undefined && !verdict.admit) {
          this.#answerShed(frame.message.headers.get('via'), verdict.answer, source);
          return;
        }
        flow.noteReceived();
        context.deliver(frame.message, flow);
      } else if (frame.kind === 'error') {
        this.#reject(frame, source);
      }
      // CRLF keepalive datagrams need no answer: RFC 5626 §4.4.2 keeps UDP flows alive with STUN.
    } catch (error) {
      context.logger?.warn({ err: error, listener: this.#local }, 'datagram handling failed');
    }
  };

  /**
   * SPEC I6, RFC 5626 §4.4.2: a community client keeps its UDP flow (and its NAT binding) alive with
   * STUN Binding requests on the SIP port; the answer maps its source. Only on the internal side:
   * peers speak TLS, and an answer to a spoofed source on the external side would only reflect
   * traffic. Anything else that looks like STUN is dropped.
   */
  #answerStun(datagram: Buffer, source: RemoteInfo): void {
    const context = this.#init.context;
    const transactionId = this.side === 'internal' ? bindingRequestId(datagram) : undefined;
    if (transactionId === undefined) {
      context.stats.framingErrors++; // neither SIP nor a keepalive this side answers
      return;
    }
    // The keepalive is use of the flow: an outbound binding's flow stays cached while it arrives.
    this.#flows.get(`${source.address} ${source.port}`)?.noteReceived();
    context.stats.stunBindings++;
    this.#socket.send(bindingSuccess(transactionId, source), source.port, source.address);
  }

  /** Answer a malformed request to where it came from; anything else is dropped silently. */
  #reject(frame: ErrorFrame, source: RemoteInfo): void {
    const context = this.#init.context;
    context.stats.framingErrors++;
    context.logger?.debug({ source: `${source.address}:${source.port}`, code: frame.error.code }, 'malformed datagram');
    const response = malformedRequestResponse(frame, this.#local.address, source);
    // RFC 3261 §18.2.2, RFC 3581: the source address, at the source port only when rport asked for it.
    const port = datagramResponsePortOf(frame.headers?.get('via'), source);
    if (response !== undefined) this.#socket.send(response, port, source.address);
  }

  /** SPEC Y5: the cheap 503 for a shed request, to where a response to it belongs (RFC 3261 §18.2.2, RFC 3581). */
  #answerShed(firstVia: string | undefined, answer: Buffer | undefined, source: RemoteInfo): void {
    if (answer !== undefined) this.#socket.send(answer, datagramResponsePortOf(firstVia, source), source.address);
  }

  /** The cache is full (spoofed sources can fill it): drop the oldest flow nobody holds. */
  #evictOne(): void {
    let scanned = 0;
    for (const flow of this.#flows.values()) {
      if (flow.refCount === 0) {
        flow.close('evicted');
        return;
      }
      if (++scanned >= EVICTION_SCAN) return;
    }
  }

  readonly #onSocketError = (error: Error): void => {
    // ICMP errors and failed sends land here; the listener stays up.
    this.#init.context.logger?.debug({ err: error, listener: this.#local }, 'udp socket error');
  };
}
