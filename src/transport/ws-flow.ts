// A flow over one SIP WebSocket connection (SPEC I7, RFC 7118): each WebSocket message carries exactly
// one SIP message (§5.2), so no Content-Length framing is needed and a malformed message costs only
// itself — it is answered 400 and the connection stays. WebSocket ping/pong keeps the connection
// watched (the browser answers pings itself); a source over its share stops being read (SPEC Y5).

import { isUtf8 } from 'node:buffer';
import type { RawData, WebSocket } from 'ws';
import type { Timer } from '../clock/clock.js';
import { KeepaliveWatch } from './keepalive-watch.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { ErrorFrame, ParsedFrame } from '../sip/parsed-frame.js';
import { BaseFlow, type FlowContext, type FlowInit } from './base-flow.js';
import { malformedRequestResponse } from './malformed-request-response.js';

/** How long a closing connection may take for the closing handshake before it is cut. */
const CLOSE_GRACE_MS = 2000;
/** Closes after which nothing more can or should be written: the connection is cut at once. */
const ABRUPT_CLOSES = new Set(['keepalive-timeout', 'socket-error', 'internal-error']);
/** RFC 6455 §7.4.1 status codes for the closes the edge starts. */
const CLOSE_CODES: Readonly<Record<string, number>> = { shutdown: 1001, idle: 1000 };
/** ws reports a message over maxPayload with this code, then closes with 1009. */
const TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

export class WsFlow extends BaseFlow {
  readonly reliable = true;
  readonly #socket: WebSocket;
  /** RFC 5626 §4.4.1's watch, with WebSocket pings (the browser answers them itself). */
  readonly #keepalive: KeepaliveWatch;
  #graceTimer: Timer | undefined;
  #socketClosed = false;
  #socketClosedWaiters: Array<() => void> = [];
  #readingPaused = false;
  /** Whether a SIP message has come over the connection: from then on, pongs keep it from idling out. */
  #carriedSip = false;

  constructor(socket: WebSocket, init: FlowInit, context: FlowContext) {
    super(init, context);
    this.#socket = socket;
    socket.on('message', this.#onMessage);
    socket.on('pong', this.#onPong);
    socket.on('error', this.#onError);
    socket.on('close', this.#onSocketClose);
    this.#keepalive = new KeepaliveWatch({
      clock: context.clock,
      intervalMs: context.limits.keepaliveIntervalMs,
      isOpen: () => this.isOpen,
      ping: () => {
        this.#socket.ping();
        return true;
      },
      onSilence: this.#onSilence,
    });
  }

  /**
   * One SIP message per WebSocket message: a text frame when the message is UTF-8 (RFC 7118 §5.2 lets
   * a browser read it as a string), binary otherwise. Refused over the pending-bytes cap (SPEC Y4).
   */
  send(bytes: Buffer): boolean {
    if (!this.isOpen || this.#socket.readyState !== this.#socket.OPEN) return false;
    if (this.#socket.bufferedAmount + bytes.length > this.context.limits.maxPendingBytesPerConnection) {
      this.context.stats.sendBufferOverflows++;
      return false;
    }
    this.#socket.send(bytes, { binary: !isUtf8(bytes) });
    this.touch();
    return true;
  }

  /** SPEC Y5: reading is paused because the flow's source is over its share. */
  get readingPaused(): boolean {
    return this.#readingPaused;
  }

  /** Resolves once the connection is fully closed (for an orderly shutdown of the layer). */
  whenSocketClosed(): Promise<void> {
    if (this.#socketClosed) return Promise.resolve();
    return new Promise((resolve) => this.#socketClosedWaiters.push(resolve));
  }

  protected release(reason: string): void {
    this.#keepalive.stop();
    if (this.#socketClosed) return;
    if (ABRUPT_CLOSES.has(reason)) {
      this.#socket.terminate();
      return;
    }
    this.#socket.close(CLOSE_CODES[reason] ?? 1000, reason.slice(0, 120));
    this.#graceTimer = this.context.clock.setTimer(CLOSE_GRACE_MS, this.#terminate);
  }

  readonly #onMessage = (data: RawData): void => {
    if (!this.isOpen) return;
    this.#keepalive.heard();
    try {
      this.#dispatch(parseDatagram(toBuffer(data), this.context.limits.parser));
      this.#pauseWhenOverShare();
    } catch (error) {
      this.context.logger?.warn({ err: error, flow: this.id }, 'websocket input handling failed');
      this.close('internal-error');
    }
  };

  #dispatch(frame: ParsedFrame): void {
    switch (frame.kind) {
      case 'message': {
        // SPEC Y5: judged before any other work; a shed request is answered here and goes no further.
        const verdict = this.context.admission?.judge(frame.message, this, this.remote);
        if (verdict !== undefined && !verdict.admit) {
          if (verdict.answer !== undefined) this.send(verdict.answer);
          return;
        }
        this.touch();
        this.#carriedSip = true;
        this.context.deliver(frame.message, this);
        return;
      }
      case 'ping':
      case 'pong':
        return; // RFC 7118 keeps connections alive with WebSocket pings; a CRLF message is only noted
      case 'error':
        this.#rejectMessage(frame);
        return;
    }
  }

  /** The message boundary is the WebSocket's, so framing is never lost: answer and read on. */
  #rejectMessage(frame: ErrorFrame): void {
    this.context.stats.framingErrors++;
    this.context.logger?.debug(
      { flow: this.id, callId: frame.headers?.get('call-id'), code: frame.error.code, detail: frame.error.message },
      'I7 malformed SIP message on websocket: answered, connection kept',
    );
    const response = malformedRequestResponse(frame, this.local.address, this.remote);
    if (response !== undefined) this.send(response);
  }

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

  // Silence after a ping means the browser is gone without closing (a suspended laptop).
  readonly #onSilence = (): void => {
    this.context.stats.keepaliveTimeouts++;
    this.close('keepalive-timeout');
  };

  // A browser's connection is the only way to reach it (RFC 7118 §5): once it has carried SIP (a
  // REGISTER, a SUBSCRIBE), a browser that answers pings is in use even when no SIP passes for longer
  // than the idle timeout. A connection that never carried SIP still idles out (SPEC F4, Y4).
  readonly #onPong = (): void => {
    this.#keepalive.heard();
    if (this.#carriedSip) this.touch();
  };

  readonly #onError = (error: Error & { code?: string }): void => {
    if (error.code === TOO_LARGE) {
      // SPEC Y4: ws has already refused the message (close code 1009); nothing of it was buffered.
      this.context.stats.framingErrors++;
      this.context.logger?.info(
        { flow: this.id, remote: this.remote },
        'I7 websocket message over limits.maxMessageBytes',
      );
      this.close('message-too-large');
      return;
    }
    this.context.logger?.debug({ err: error, flow: this.id }, 'websocket error');
    this.close('socket-error');
  };

  readonly #onSocketClose = (): void => {
    this.#socketClosed = true;
    this.#graceTimer?.cancel();
    this.close('remote-closed');
    for (const resolve of this.#socketClosedWaiters) resolve();
    this.#socketClosedWaiters = [];
  };

  readonly #terminate = (): void => {
    this.#socket.terminate();
  };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
