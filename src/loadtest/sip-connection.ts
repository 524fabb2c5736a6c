// One SIP connection of the load tester (TCP or TLS, either end): frames the byte stream with the
// edge's own StreamFramer, matches responses to the requests it sent by the top Via branch, hands
// received requests to a handler, and batches writes per event-loop turn so a flood costs one
// syscall per turn rather than one per message. No per-request timer: a sweep finds timeouts.

import type { Socket } from 'node:net';
import type { IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { StreamFramer } from '../sip/stream-framer.js';

/** Why a request got no final response: nothing came in time, or its connection closed first. */
export type Unanswered = 'timeout' | 'connection-closed';

export interface PendingRequest {
  readonly sentAt: number;
  /** Called once: with the final response, or undefined and the reason when none came. */
  readonly settle: (response: IncomingResponse | undefined, now: number, unanswered?: Unanswered) => void;
}

export type RequestHandler = (request: IncomingRequest, connection: SipConnection) => void;

export class SipConnection {
  readonly socket: Socket;
  readonly #framer = new StreamFramer({ ...DEFAULT_PARSER_LIMITS, maxBodyBytes: 1_048_576 });
  readonly #pending = new Map<string, PendingRequest>();
  readonly #onRequest: RequestHandler;
  /** Latin1 text queued this turn: joined and encoded once per flush. */
  #queue: string[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(socket: Socket, onRequest: RequestHandler) {
    this.socket = socket;
    this.#onRequest = onRequest;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => undefined); // the close that follows fails what is pending
    socket.on('close', () => this.#close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Sends a request whose top Via carries `branch`; `pending.settle` runs once. */
  request(branch: string, bytes: string, pending: PendingRequest): void {
    if (this.#closed) {
      pending.settle(undefined, performance.now(), 'connection-closed');
      return;
    }
    this.#pending.set(branch, pending);
    this.send(bytes);
  }

  /** Queues bytes for the end of this event-loop turn. */
  send(bytes: string): void {
    if (this.#closed) return;
    this.#queue.push(bytes);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  /** Settles every request sent before `cutoff` (performance.now() ms) as timed out. */
  sweep(cutoff: number, now: number): void {
    for (const [branch, pending] of this.#pending) {
      if (pending.sentAt > cutoff) continue;
      this.#pending.delete(branch);
      pending.settle(undefined, now, 'timeout');
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.length === 0) return;
    const text = this.#queue.length === 1 ? this.#queue[0]! : this.#queue.join('');
    this.#queue = [];
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  #receive(chunk: Buffer): void {
    this.#framer.push(chunk);
    for (let frame = this.#framer.next(); frame !== undefined; frame = this.#framer.next()) {
      if (frame.kind === 'ping') this.send('\r\n');
      if (frame.kind === 'error') {
        this.socket.destroy(); // framing lost: nothing later on this stream can be trusted
        return;
      }
      if (frame.kind !== 'message') continue;
      if (frame.message.kind === 'response') this.#response(frame.message);
      else this.#onRequest(frame.message, this);
    }
  }

  #response(response: IncomingResponse): void {
    if (response.status < 200) return;
    let branch: string | undefined;
    try {
      branch = response.topVia.branch;
    } catch {
      return; // a response we cannot match is no answer to anything we sent
    }
    const pending = branch === undefined ? undefined : this.#pending.get(branch);
    if (pending === undefined) return;
    this.#pending.delete(branch!);
    pending.settle(response, performance.now());
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const now = performance.now();
    for (const pending of this.#pending.values()) pending.settle(undefined, now, 'connection-closed');
    this.#pending.clear();
  }
}
