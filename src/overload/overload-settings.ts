// What overload control is told (limits.overload, SPEC Y5) and what it reports: the shed requests and
// the admission state, once per interval, to metrics and logs.

import type { Side } from '../transport/flow.js';

export interface OverloadSettings {
  readonly enabled: boolean;
  /** Event-loop utilisation, in percent, at and over which the edge counts as overloaded. */
  readonly eluThresholdPercent: number;
  /** Pending server transactions at and over which the edge counts as overloaded. */
  readonly pendingRequestsLimit: number;
  /** The wait inside the edge (pending / throughput) over which a busy edge sheds. */
  readonly maxQueueDelayMs: number;
  /** How often load is sampled and shares refilled. */
  readonly intervalMs: number;
  readonly retryAfterSeconds: number;
  /** A fixed capacity for new out-of-dialog requests; 0: only the load decides. */
  readonly capacityPerSecond: number;
  /** The estimate never falls below this, so the edge always admits some new work. */
  readonly minCapacityPerSecond: number;
}

/** Why the edge is shedding: the label of the shed metric. */
export type ShedCause = 'event-loop' | 'queue-delay' | 'pending-requests' | 'send-queue' | 'capacity';

export interface ShedCounts {
  readonly cause: ShedCause;
  readonly side: Side;
  readonly peer: string;
  readonly answered: number;
  readonly dropped: number;
}

export interface AdmissionState {
  readonly shedding: boolean;
  readonly eventLoopUtilisation: number;
  /** The capacity in force, per second; Infinity when nothing limits it. */
  readonly capacityPerSecond: number;
}

/** Metrics, told once per interval rather than per message. */
export interface OverloadObserver {
  shed(counts: ShedCounts): void;
  state(state: AdmissionState): void;
}

export interface OverloadLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}
