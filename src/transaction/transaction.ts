// What every RFC 3261 §17 state machine shares: a checked state, the flow it holds open while live,
// its named timers on the injected clock, and the listeners told once it reaches Terminated.

import type { Clock, Timer } from '../clock/clock.js';
import type { Flow } from '../transport/flow.js';
import { assertTransition, TransactionStateError, type TransitionTable } from './transaction-state-error.js';
import type { TransactionTimers } from './transaction-timers.js';

/**
 * Why a transaction ended: `completed` (its exchange finished), `timeout` (timer B, F or H fired),
 * `transport-error` (RFC 3261 §17.1.4: the request could not be sent or the flow closed), `closed`
 * (ended by the layer's close() or the TU's terminate()).
 */
export type TerminationCause = 'completed' | 'timeout' | 'transport-error' | 'closed';

export type TerminationListener = (cause: TerminationCause) => void;

export interface TransactionContext {
  /** The transaction table's key. */
  readonly id: string;
  readonly flow: Flow;
  readonly clock: Clock;
  readonly timers: TransactionTimers;
}

interface MachineDescription<S extends string> {
  /** For errors: "client INVITE transaction". */
  readonly machine: string;
  readonly initial: S;
  readonly transitions: TransitionTable<S>;
}

const TERMINATED = 'terminated';

export abstract class Transaction<S extends string> {
  readonly id: string;
  readonly flow: Flow;
  protected readonly clock: Clock;
  protected readonly timers: TransactionTimers;
  readonly #description: MachineDescription<S>;
  #state: S;
  /** Running timers by name; made on the first (a server transaction over TCP or TLS runs none). */
  #running: Map<string, Timer> | undefined;
  #listeners: TerminationListener[] = [];
  #cause: TerminationCause | undefined;

  protected constructor(context: TransactionContext, description: MachineDescription<S>) {
    this.id = context.id;
    this.flow = context.flow;
    this.clock = context.clock;
    this.timers = context.timers;
    this.#description = description;
    this.#state = description.initial;
    this.flow.ref();
  }

  get state(): S {
    return this.#state;
  }

  get isTerminated(): boolean {
    return this.#state === TERMINATED;
  }

  /** Why the transaction ended; undefined while it is live. */
  get terminationCause(): TerminationCause | undefined {
    return this.#cause;
  }

  /** Called once when the transaction reaches Terminated (at once if it already has). */
  onTerminated(listener: TerminationListener): void {
    if (this.#cause !== undefined) listener(this.#cause);
    else this.#listeners.push(listener);
  }

  /** Stop every timer and end the transaction now, telling no handler but the termination listeners. */
  terminate(): void {
    if (!this.isTerminated) this.moveTo(TERMINATED as S, 'closed');
  }

  /** Move along the RFC's diagram; a move the diagram lacks throws TransactionStateError. */
  protected moveTo(next: S, cause: TerminationCause = 'completed'): void {
    assertTransition(this.#description.machine, this.#description.transitions, this.#state, next);
    this.#state = next;
    if (next !== TERMINATED) return;
    if (this.#running !== undefined) for (const timer of this.#running.values()) timer.cancel();
    this.#running = undefined;
    this.#cause = cause;
    this.flow.unref();
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener(cause);
  }

  /** Throw TransactionStateError for something the current state does not allow. */
  protected refuse(attempted: string): never {
    throw new TransactionStateError(this.#description.machine, this.#state, attempted);
  }

  /**
   * Send a client transaction's first request. A failure is reported through `fail` on the next clock
   * turn, so the caller of sendRequest holds the transaction first (§17.1.4); if the flow closed inside
   * send() and failed the transaction already, nothing more happens (startTimer is a no-op then).
   */
  protected sendFirst(bytes: Buffer, fail: () => void): boolean {
    if (this.flow.send(bytes)) return true;
    this.startTimer('transport', 0, fail);
    return false;
  }

  /** (Re)start the timer called `name` (the RFC's letter); a running one of that name is replaced. */
  protected startTimer(name: string, delayMs: number, fire: () => void): void {
    if (this.isTerminated) return; // a terminated transaction runs no timers
    const running = (this.#running ??= new Map());
    running.get(name)?.cancel();
    const timer = this.clock.setTimer(delayMs, () => {
      this.#running?.delete(name);
      fire();
    });
    running.set(name, timer);
  }

  protected stopTimer(name: string): void {
    const running = this.#running;
    if (running === undefined) return;
    running.get(name)?.cancel();
    running.delete(name);
  }
}
