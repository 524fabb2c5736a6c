// What overload control (Y5, src/overload/) tells the metrics once per interval: the requests it shed
// and its admission state. Declared here, below both, so the metrics need not import the controller.

/** Why the edge is shedding: the label of the shed metric. */
export type ShedCause = 'event-loop' | 'queue-delay' | 'pending-requests' | 'send-queue' | 'capacity';

export interface ShedCounts {
  readonly cause: ShedCause;
  readonly side: 'internal' | 'external';
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
