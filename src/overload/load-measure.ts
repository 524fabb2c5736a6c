// How loaded the edge itself is (SPEC Y5, RFC 6357 §4): the share of time the event loop was busy
// since the last sample, and the server transactions still waiting for an answer. Sampled once per
// admission interval, never per message, so measuring costs nothing under a flood.

import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export interface LoadSample {
  /** 0..1: the share of the last interval the event loop spent running callbacks. */
  readonly eventLoopUtilisation: number;
  /** Server transactions waiting for a final response. */
  readonly pendingRequests: number;
}

/** The admission controller's view of load; tests drive it by hand. */
export interface LoadMeasure {
  sample(): LoadSample;
}

export class EventLoopLoad implements LoadMeasure {
  readonly #pendingRequests: () => number;
  #last: EventLoopUtilization = performance.eventLoopUtilization();

  constructor(pendingRequests: () => number) {
    this.#pendingRequests = pendingRequests;
  }

  sample(): LoadSample {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.#last);
    this.#last = now;
    return { eventLoopUtilisation: delta.utilization, pendingRequests: this.#pendingRequests() };
  }
}
