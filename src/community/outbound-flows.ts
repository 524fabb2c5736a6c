// The flows RFC 5626 bindings were made on, as this edge process holds them (SPEC I6). A binding
// holds its flow open (a ref, so the idle timeout does not close the only way to the client) until it
// expires, is replaced or removed; the edge's keepalive (F5) still closes a flow whose client died.
// Bindings live in the StateStore, flows in this process: a binding made by another process (another
// instance sharing Redis, or this edge before a restart) names a flow this process cannot use.

import { randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../clock/clock.js';
import type { Flow } from '../transport/flow.js';
import type { BindingFlow } from './location-service.js';

/** What the holder needs of the transport layer (or the virtual network). */
export interface FlowFinder {
  findFlow(id: string): Flow | undefined;
}

/** `open`: usable here; `closed`: this process's flow, gone; `elsewhere`: another process's (or run's). */
export type FlowState = 'open' | 'closed' | 'elsewhere';

interface Hold {
  readonly flow: Flow;
  timer: Timer;
}

export class OutboundFlows {
  /** This process's name in the bindings it makes. */
  readonly edge = randomUUID();
  readonly #flows: FlowFinder;
  readonly #clock: Clock;
  /** By binding key (address, instance, reg-id); bounded by the bindings the registrar allows. */
  readonly #holds = new Map<string, Hold>();

  constructor(options: { flows: FlowFinder; clock: Clock }) {
    this.#flows = options.flows;
    this.#clock = options.clock;
  }

  /** Flows held for bindings right now (the gauge). */
  get held(): number {
    return this.#holds.size;
  }

  /** How a binding records the flow a REGISTER arrived on. */
  record(flow: Flow): BindingFlow {
    const { address, port } = flow.remote;
    return { id: flow.id, protocol: flow.protocol, address, port, edge: this.edge };
  }

  stateOf(recorded: BindingFlow): FlowState {
    if (recorded.edge !== this.edge) return 'elsewhere';
    // A datagram flow is only a cached pairing: the listener reaches the address whether or not it is cached.
    if (recorded.protocol === 'udp') return 'open';
    return this.#flows.findFlow(recorded.id)?.isOpen === true ? 'open' : 'closed';
  }

  /** Keep the binding's flow open for `forMs` (its expiry); a refresh re-arms, a new flow replaces. */
  hold(key: string, recorded: BindingFlow, forMs: number): void {
    const flow = this.#flows.findFlow(recorded.id);
    const current = this.#holds.get(key);
    if (current !== undefined && current.flow === flow) {
      current.timer.cancel();
      current.timer = this.#clock.setTimer(forMs, () => this.release(key));
      return;
    }
    this.release(key);
    if (flow === undefined || !flow.isOpen) return;
    flow.ref();
    this.#holds.set(key, { flow, timer: this.#clock.setTimer(forMs, () => this.release(key)) });
  }

  release(key: string): void {
    const hold = this.#holds.get(key);
    if (hold === undefined) return;
    this.#holds.delete(key);
    hold.timer.cancel();
    hold.flow.unref();
  }
}

/** The key a binding's hold goes by: one per address, instance and reg-id (RFC 5626 §6). */
export function holdKey(address: string, binding: { readonly instance: string; readonly regId: number }): string {
  return `${address} ${binding.instance} ${binding.regId}`;
}
