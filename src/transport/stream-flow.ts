// A flow over one TCP or TLS connection (RFC 3261 §18.3): bytes are framed into messages by
// Content-Length, CRLF CRLF pings are answered, and the connection is kept alive and watched with
// RFC 5626 §4.4.1 keepalives. A peer that sends garbage or stops reading is cut off (SPEC Y4); one
// over its share of a loaded edge is shed and not read until its share refills (SPEC Y5).

import type { Socket } from 'node:net';
import type { Timer } from '../clock/clock.js';
import { KeepaliveWatch } from './keepalive-watch.js';
import type { ErrorFrame, ParsedFrame } from '../sip/parsed-frame.js';
import { StreamFramer } from '../sip/stream-framer.js';
import { BaseFlow, type FlowContext, type FlowInit } from './base-flow.js';
import { malformedRequestResponse } from './malformed-request-response.js';

const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');
/** How long a closing connection may take to flush and see the peer's FIN before it is destroyed. */
const CLOSE_GRACE_MS = 2000;
/**
 * How long the pending bytes may stay over the cap before the peer counts as no longer reading. Over
 * TLS a busy event loop alone holds writes pending (a write completes only when the loop comes round),
 * so a moment over the cap is load on this edge, not a stuck peer: those messages are refused (the
 * transaction fails, a request gets 503), and the connection is cut only when it stays over.
 */
const STALLED_SEND_MS = 5000;
/** What one turn of the event loop may queue on a connection, in multiples of the pending-bytes cap. */
const TURN_CAP_FACTOR = 4;
/** Closes after which nothing more can or should be written: the socket is destroyed at once. */
const ABRUPT_CLOSES = new Set(['send-buffer-full', 'keepalive-timeout', 'socket-error', 'internal-error']);

export class StreamFlow extends BaseFlow {
  readonly reliable = true;
  readonly #socket: Socket;
  readonly #framer: StreamFramer;
  /** RFC 5626 §4.4.1: any bytes received (messages, pings, pongs) prove the peer alive. */
  readonly #keepalive: KeepaliveWatch;
  #graceTimer: Timer | undefined;
  #socketClosed = false;
  #socketClosedWaiters: Array<() => void> = [];
  /** Clock time of the first refused write since the pending bytes were last under the cap. */
  #overCapSince: number | undefined;
  /** SPEC Y5: the socket is paused until the admission shares refill. */
  #readingPaused = false;

  constructor(socket: Socket, init: FlowInit, context: FlowContext) {
    super(init, context);
    this.#socket = socket;
    this.#framer = new StreamFramer(context.limits.parser);
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onSocketClose);
    this.#keepalive = new KeepaliveWatch({
      clock: context.clock,
      intervalMs: context.limits.keepaliveIntervalMs,
      isOpen: () => this.isOpen,
      ping: () => this.#write(PING),
      onSilence: this.#onSilence,
    });
  }

  send(bytes: Buffer): boolean {
    if (!this.isOpen || !this.#write(bytes)) return false;
    this.touch();
    return true;
  }

  /** SPEC Y5: reading is paused because the flow's source is over its share (for the admin API and tests). */
  get readingPaused(): boolean {
    return this.#readingPaused;
  }

  /** Resolves once the socket is fully closed (for an orderly shutdown of the layer). */
  whenSocketClosed(): Promise<void> {
    if (this.#socketClosed) return Promise.resolve();
    return new Promise((resolve) => this.#socketClosedWaiters.push(resolve));
  }

  protected release(reason: string): void {
    this.#keepalive.stop();
    if (this.#socketClosed) return;
    if (ABRUPT_CLOSES.has(reason)) {
      this.#socket.destroy();
      return;
    }
    this.#socket.end();
    this.#graceTimer = this.context.clock.setTimer(CLOSE_GRACE_MS, this.#destroySocket);
  }

  /**
   * Queue bytes unless the connection is over its pending-bytes cap (Y4): then they are refused, and a
   * peer whose pending bytes stay over the cap for STALLED_SEND_MS has stopped reading and is cut off.
   * The cap judges what earlier turns left unsent (a peer not reading), not this turn's own writes:
   * those are corked until the turn ends, and a busy turn (a read of many requests, each relayed)
   * legitimately queues a lot at once. This turn's writes are bounded on their own, at TURN_CAP_FACTOR
   * times the cap.
   */
  #write(bytes: Buffer): boolean {
    const socket = this.#socket;
    const cap = this.context.limits.maxPendingBytesPerConnection;
    if (!this.#corked) this.#unsentBeforeTurn = socket.writableLength;
    const thisTurn = socket.writableLength - this.#unsentBeforeTurn;
    if (this.#unsentBeforeTurn + bytes.length > cap || thisTurn + bytes.length > TURN_CAP_FACTOR * cap) {
      this.context.stats.sendBufferOverflows++;
      const now = this.context.clock.now();
      this.#overCapSince ??= now;
      if (now - this.#overCapSince >= STALLED_SEND_MS) this.close('send-buffer-full');
      return false;
    }
    this.#overCapSince = undefined;
    // Messages written in one turn of the event loop leave in one system call: on a busy connection
    // that is most of the cost of sending (one write per message was a third of the edge's CPU).
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      setImmediate(this.#uncork);
    }
    socket.write(bytes);
    return true;
  }

  #corked = false;
  /** Bytes the socket still held when this turn's first write came (earlier turns' backlog). */
  #unsentBeforeTurn = 0;

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  readonly #onData = (chunk: Buffer): void => {
    if (!this.isOpen) return;
    this.#keepalive.heard();
    const framer = this.#framer;
    try {
      framer.push(chunk);
      while (this.isOpen) {
        const frame = framer.next();
        if (frame === undefined) break;
        this.#dispatch(frame);
      }
      this.#pauseWhenOverShare();
    } catch (error) {
      this.context.logger?.warn({ err: error, flow: this.id }, 'stream input handling failed');
      this.close('internal-error');
    }
  };

  #dispatch(frame: ParsedFrame): void {
    switch (frame.kind) {
      case 'message': {
        // SPEC Y5: judged before any other work; a shed request is answered here and goes no further.
        const verdict = this.context.admission?.judge(frame.message, this, this.remote);
        if (verdict !== undefined && !verdict.admit) {
          if (verdict.answer !== undefined) this.#write(verdict.answer);
          return;
        }
        this.touch();
        this.context.deliver(frame.message, this);
        return;
      }
      case 'ping':
        this.#write(PONG); // RFC 5626 §4.4.1: a CRLF CRLF ping is answered with a CRLF pong
        return;
      case 'pong':
        return; // any bytes prove the peer alive; #onData noted them
      case 'error':
        this.#rejectFrame(frame);
        return;
    }
  }

  /**
   * SPEC Y5: a source over its share is not read further until the shares refill, so TCP flow control
   * slows it down instead of the edge buffering it. What was already read has been judged and answered.
   */
  #pauseWhenOverShare(): void {
    const admission = this.context.admission;
    if (this.#readingPaused || admission === undefined || !this.isOpen || !admission.overShare(this)) return;
    this.#readingPaused = true;
    this.#socket.pause();
    admission.whenRefilled(this.#resumeReading);
  }

  readonly #resumeReading = (): void => {
    this.#readingPaused = false;
    if (this.isOpen && !this.#socketClosed) this.#socket.resume();
  };

  /** Framing is lost for good (RFC 3261 §18.3): answer the request if it can be, then close. */
  #rejectFrame(frame: ErrorFrame): void {
    this.context.stats.framingErrors++;
    this.context.logger?.debug(
      { flow: this.id, code: frame.error.code, detail: frame.error.message },
      'malformed input on stream',
    );
    const response = malformedRequestResponse(frame, this.local.address, this.remote);
    if (response !== undefined) this.#write(response);
    this.close('framing-error');
  }

  readonly #onSilence = (): void => {
    this.context.stats.keepaliveTimeouts++;
    this.close('keepalive-timeout');
  };

  readonly #onEnd = (): void => {
    this.close('remote-closed');
  };

  readonly #onError = (error: Error): void => {
    this.context.logger?.debug({ err: error, flow: this.id }, 'stream socket error');
    this.close('socket-error');
  };

  readonly #onSocketClose = (): void => {
    this.#socketClosed = true;
    this.#graceTimer?.cancel();
    this.close('remote-closed');
    for (const resolve of this.#socketClosedWaiters) resolve();
    this.#socketClosedWaiters = [];
  };

  readonly #destroySocket = (): void => {
    this.#socket.destroy();
  };
}
