// What overload control is told (limits.overload, SPEC Y5) and what it reports: the shed requests and
// the admission state, once per interval, to metrics and logs.

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

// What overload control reports is declared where it is counted (observability sits below).
export type { AdmissionState, OverloadObserver, ShedCause, ShedCounts } from '../observability/overload-report.js';

export interface OverloadLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}
