// Who a message counts against when capacity is shared (SPEC Y5, RFC 7339 §5): a peer by its verified
// TLS identity however many connections it opens, the internal side as one source, anyone else by
// remote address. Counts are per admission interval.

import type { Flow, Side } from '../transport/flow.js';

export class AdmissionSource {
  readonly key: string;
  readonly side: Side;
  /** The peer domain for metrics, "-" when the source has no verified identity. */
  readonly peer: string;
  /** New out-of-dialog requests this interval, admitted or not. */
  demand = 0;
  admitted = 0;
  /** Shed with a 503, and shed without an answer (the lines a 503 is made of were missing). */
  answered = 0;
  dropped = 0;
  /** Forgotten after an interval without demand; flows holding it look it up again. */
  retired = false;

  constructor(key: string, side: Side, peer: string) {
    this.key = key;
    this.side = side;
    this.peer = peer;
  }

  get shed(): number {
    return this.answered + this.dropped;
  }

  startInterval(): void {
    this.demand = 0;
    this.admitted = 0;
    this.answered = 0;
    this.dropped = 0;
  }
}

export function admissionSourceOf(flow: Flow): AdmissionSource {
  if (flow.side === 'internal') return new AdmissionSource('internal', 'internal', '-');
  const identity = flow.peerIdentity?.[0];
  if (identity !== undefined) return new AdmissionSource(`peer ${identity}`, flow.side, identity);
  return new AdmissionSource(`address ${flow.remote.address}`, flow.side, '-');
}
