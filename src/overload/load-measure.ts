// How loaded the edge itself is (SPEC Y5, RFC 6357 §4): the share of time the event loop was busy
// since the last sample, and the server transactions still waiting for an answer. Sampled once per
// admission interval, never per message, so measuring costs nothing under a flood.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoadSample {
  /** 0..1: the share of the recent intervals the event loop spent running callbacks (smoothed). */
  readonly eventLoopUtilisation: number;
  /** Server transactions waiting for a final response. */
  readonly pendingRequests: number;
  /** Writes refused since the last sample because a connection held too many unsent bytes. */
  readonly sendRefusals?: number;
}

/** The admission controller's view of load; tests drive it by hand. */
export interface LoadMeasure {
  sample(): LoadSample;
}

/**
 * Weight of the newest interval in the smoothed utilisation: a garbage collection or a burst of TLS
 * handshakes fills one interval on its own, and must not cut admissions; sustained load trips in a few.
 */
const SMOOTHING = 0.5;

export class EventLoopLoad implements LoadMeasure {
  readonly #pendingRequests: () => number;
  readonly #sendRefusals: () => number;
  #refusalsSoFar = 0;
  #last: EventLoopUtilization = performance.eventLoopUtilization();
  #smoothed = 0;

  constructor(pendingRequests: () => number, sendRefusals: () => number = () => 0) {
    this.#pendingRequests = pendingRequests;
    this.#sendRefusals = sendRefusals;
  }

  sample(): LoadSample {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.#last);
    this.#last = now;
    this.#smoothed = SMOOTHING * delta.utilization + (1 - SMOOTHING) * this.#smoothed;
    const refusals = this.#sendRefusals();
    const sendRefusals = refusals - this.#refusalsSoFar;
    this.#refusalsSoFar = refusals;
    return { eventLoopUtilisation: this.#smoothed, pendingRequests: this.#pendingRequests(), sendRefusals };
  }
}
