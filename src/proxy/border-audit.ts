// What the edge records of every request that crosses the border, once its final response leaves:
// the response metric by peer, the relay latency, and one audit line (SPEC X1: who, to whom, when,
// the decision, the final status). The proxy wraps the server transaction in a CrossingRecord, so
// every path that answers — a rule, F7, routing, a relayed response — is seen in one place.

import type { EdgeMetrics } from '../observability/edge-metrics.js';
import { addressOfRecord, senderAddress } from '../sip/address-of-record.js';
import type { Crossing } from '../policy/border-policy.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import type { OutgoingMessage } from '../sip/outgoing-message.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import { statusOf } from '../transaction/server-transaction.js';
import type { TerminationListener } from '../transaction/transaction.js';

/** One audit line (X1); docs/OPERATIONS.md describes each field and its privacy implications. */
export interface AuditEntry {
  /** ISO 8601, when the final response left. */
  readonly time: string;
  readonly direction: 'inbound' | 'outbound';
  readonly peer: string;
  readonly method: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  /** `relayed`, or the SPEC ID and rule (or RFC step) that answered at the edge. */
  readonly decision: string;
  readonly status: number;
  /** Milliseconds from the request reaching the proxy to its final response leaving. */
  readonly durationMs: number;
}

/** Where audit lines go (src/observability/audit-log.ts writes them); declared here, where it is used. */
export interface AuditSink {
  write(entry: AuditEntry): void;
  /** The request's text, when message archiving is on. */
  archive(record: {
    readonly callId: string;
    readonly direction: string;
    readonly peer: string;
    readonly message: string;
  }): void;
}

export interface CrossingRecordDeps {
  readonly metrics: EdgeMetrics;
  readonly audit?: AuditSink;
}

/** A server transaction that notes its final response for the border records. */
export class CrossingRecord implements ServerTransaction {
  /** Set once the request is known to cross (inbound on arrival, outbound after routing). */
  crossing: Crossing | undefined;
  /** Set when the edge answers itself; `relayed` otherwise. */
  decision = 'relayed';
  /** The first final status sent; undefined while none has been (or the transaction ended without one). */
  finalStatus: number | undefined;
  readonly #inner: ServerTransaction;
  readonly #deps: CrossingRecordDeps;
  readonly #startedAt = performance.now();
  #finished = false;
  #finalTold = false;

  readonly #onFinal: (() => void) | undefined;

  /** `onFinal`: told once, when the first final response leaves or the transaction ends without one. */
  constructor(inner: ServerTransaction, deps: CrossingRecordDeps, onFinal?: () => void) {
    this.#inner = inner;
    this.#deps = deps;
    this.#onFinal = onFinal;
    if (onFinal !== undefined) inner.onTerminated(() => this.#final());
  }

  get id(): string {
    return this.#inner.id;
  }

  get request(): IncomingRequest {
    return this.#inner.request;
  }

  get flow(): ServerTransaction['flow'] {
    return this.#inner.flow;
  }

  get state(): ServerTransaction['state'] {
    return this.#inner.state;
  }

  respond(response: OutgoingMessage): void {
    const status = statusOf(response);
    // Before the inner respond: over a reliable transport it may end the transaction, and tell onFinal, at once.
    if (status >= 200) this.finalStatus ??= status;
    this.#inner.respond(response);
    if (this.#finished) return;
    if (status < 200) return;
    this.#final();
    if (this.crossing !== undefined) this.#finish(this.crossing, status);
  }

  #final(): void {
    if (this.#finalTold) return;
    this.#finalTold = true;
    this.#onFinal?.();
  }

  onTerminated(listener: TerminationListener): void {
    this.#inner.onTerminated(listener);
  }

  terminate(): void {
    this.#inner.terminate();
  }

  #finish(crossing: Crossing, status: number): void {
    this.#finished = true;
    const request = this.#inner.request;
    const { metrics, audit } = this.#deps;
    const seconds = (performance.now() - this.#startedAt) / 1000;
    metrics.countResponse(request.method, status, crossing.direction, crossing.peer);
    metrics.relayLatency.observe({ direction: crossing.direction }, seconds);
    audit?.write({
      time: new Date().toISOString(),
      direction: crossing.direction,
      peer: crossing.peer,
      method: request.method,
      from: senderAddress(request),
      to: addressOfRecord(request.to.uri),
      callId: request.headers.get('call-id') ?? '',
      decision: this.decision,
      status,
      durationMs: Math.round(seconds * 1e6) / 1000,
    });
    audit?.archive({
      callId: request.headers.get('call-id') ?? '',
      direction: crossing.direction,
      peer: crossing.peer,
      message: request.text,
    });
  }
}
