// SPEC I6 metrics: RFC 5626 outbound bindings and the flows they hold, and RFC 3327 Path entries the
// edge adds; part of EdgeMetrics (`metrics.outbound`). A 430 the edge answers itself is counted with every other edge answer, in
// simple_edge_answers_total{status="430",because="I6 …"}.

import { Counter, Gauge, type Registry } from 'prom-client';

/** What a binding event was: made on a new instance and reg-id, a reconnect, or dropped with its flow. */
export type OutboundBindingEvent = 'made' | 'replaced' | 'flow-closed' | 'removed';

export class OutboundMetrics {
  readonly bindings: Counter<'event'>;
  readonly paths: Counter<'outbound'>;
  /** Read at scrape time, from the source `observeHeld` names. */
  readonly held: Gauge;
  #heldSource: (() => number) | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    this.bindings = new Counter({
      name: 'simple_edge_outbound_bindings_total',
      help: 'RFC 5626 bindings of the built-in registrar, by event: made, replaced (a reconnect), flow-closed, removed',
      labelNames: ['event'] as const,
      registers,
    });
    this.paths = new Counter({
      name: 'simple_edge_path_inserted_total',
      help: 'RFC 3327 Path entries added to REGISTERs relayed to an external registrar, by whether the client asked for outbound',
      labelNames: ['outbound'] as const,
      registers,
    });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- collect() reads the source set later
    const self = this;
    this.held = new Gauge({
      name: 'simple_edge_outbound_flows',
      help: 'Flows this process holds open for RFC 5626 bindings',
      registers,
      collect() {
        this.set(self.#heldSource?.() ?? 0);
      },
    });
  }

  /** Where the gauge reads the number of held flows at scrape time. */
  observeHeld(source: () => number): void {
    this.#heldSource = source;
  }
}
