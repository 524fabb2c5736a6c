// The liveness of one connection (RFC 5626 §4.4.1): ping when nothing arrived for an interval, then
// expect a pong (or any other input) within a further interval, at most 10 s; silence means the far
// end is gone without closing (a dead NAT binding, a suspended laptop). TCP and TLS flows ping with
// CRLF CRLF, WebSocket flows with WebSocket pings; the watch is the same.

import type { Clock, Timer } from '../clock/clock.js';

/** RFC 5626 §4.4.1: a pong is expected within 10 seconds of the ping. */
const MAX_PONG_WAIT_MS = 10_000;

export interface KeepaliveWatchOptions {
  readonly clock: Clock;
  /** How long the connection may be quiet before a ping; 0 turns the watch off. */
  readonly intervalMs: number;
  /** Whether the flow is still open: a closed flow's timer does nothing. */
  readonly isOpen: () => boolean;
  /** Sends a ping; false when it could not be sent (the flow is closing on its own: the watch stops). */
  readonly ping: () => boolean;
  /** No pong, nor anything else, came in time after a ping. */
  readonly onSilence: () => void;
}

export class KeepaliveWatch {
  readonly #options: KeepaliveWatchOptions;
  /** Clock time of the last input of any kind (messages, pings, pongs). */
  #lastReceived: number;
  #heardSincePing = true;
  #awaitingPong = false;
  #timer: Timer | undefined;

  constructor(options: KeepaliveWatchOptions) {
    this.#options = options;
    this.#lastReceived = options.clock.now();
    if (options.intervalMs > 0) this.#timer = options.clock.setTimer(options.intervalMs, this.#onTimer);
  }

  /** Something arrived from the far end: it is alive. */
  heard(): void {
    this.#lastReceived = this.#options.clock.now();
    this.#heardSincePing = true;
  }

  stop(): void {
    this.#timer?.cancel();
  }

  readonly #onTimer = (): void => {
    const { clock, intervalMs, isOpen, ping, onSilence } = this.#options;
    if (!isOpen()) return;
    if (this.#awaitingPong) {
      if (!this.#heardSincePing) return onSilence();
      this.#awaitingPong = false;
    }
    const quietMs = clock.now() - this.#lastReceived;
    if (quietMs < intervalMs) {
      this.#timer = clock.setTimer(intervalMs - quietMs, this.#onTimer);
      return;
    }
    this.#heardSincePing = false;
    this.#awaitingPong = true;
    if (!ping()) return;
    this.#timer = clock.setTimer(Math.min(intervalMs, MAX_PONG_WAIT_MS), this.#onTimer);
  };
}
