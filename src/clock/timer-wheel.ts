// A hashed timer wheel (Varghese & Lauck): every timer in the process hangs in one of `slots` lists
// indexed by its due tick, and one unref'd setInterval turns the wheel. Scheduling and cancelling are
// O(1); a tick costs only the timers in its slot. A timer due more than one revolution ahead waits in
// its slot until the wheel comes round to its tick (its "rounds" are implicit in the absolute tick).

import type { Clock, Timer } from './clock.js';

export interface TimerWheelOptions {
  /** Length of one tick in milliseconds: the resolution timers are rounded up to. Default 10. */
  readonly tickMs?: number;
  /** Number of slots in one revolution. Default 512 (5.12 s at 10 ms ticks). */
  readonly slots?: number;
  /** Monotonic milliseconds. Default `performance.now()`; tests pass a hand-driven source. */
  readonly now?: () => number;
  /**
   * Where an exception thrown by a timer goes when the wheel turns on its own interval: a bug in one
   * timer must not end the process and every other timer with it. Default: written to stderr.
   */
  readonly onError?: (error: unknown) => void;
}

type EntryState = 'pending' | 'fired' | 'cancelled';

class WheelEntry implements Timer {
  readonly wheel: TimerWheel;
  readonly dueTick: number;
  readonly fire: () => void;
  state: EntryState = 'pending';
  previous: WheelEntry | undefined;
  next: WheelEntry | undefined;

  constructor(wheel: TimerWheel, dueTick: number, fire: () => void) {
    this.wheel = wheel;
    this.dueTick = dueTick;
    this.fire = fire;
  }

  cancel(): void {
    if (this.state !== 'pending') return;
    this.state = 'cancelled';
    this.wheel.unlink(this);
  }
}

export class TimerWheel implements Clock {
  readonly tickMs: number;
  readonly #slotCount: number;
  readonly #heads: Array<WheelEntry | undefined>;
  readonly #source: () => number;
  readonly #origin: number;
  /** The last tick whose slot has been processed. */
  #tick = 0;
  #size = 0;
  #interval: ReturnType<typeof setInterval> | undefined;
  readonly #onError: (error: unknown) => void;
  /** Entries taken off their slot for the tick being processed, reused from tick to tick. */
  readonly #due: WheelEntry[] = [];

  constructor(options: TimerWheelOptions = {}) {
    this.tickMs = options.tickMs ?? 10;
    this.#onError =
      options.onError ??
      ((error) => process.stderr.write(`timer failed: ${error instanceof Error ? error.stack : String(error)}\n`));
    this.#slotCount = options.slots ?? 512;
    if (!(this.tickMs > 0)) throw new RangeError(`tickMs must be positive, not ${this.tickMs}`);
    if (!Number.isInteger(this.#slotCount) || this.#slotCount < 1)
      throw new RangeError(`slots must be a positive integer, not ${this.#slotCount}`);
    this.#heads = new Array<WheelEntry | undefined>(this.#slotCount).fill(undefined);
    // The global (not node:perf_hooks' export) so that test fake timers can stand in for it.
    this.#source = options.now ?? (() => performance.now());
    this.#origin = this.#source();
  }

  now(): number {
    return this.#source();
  }

  /** Live (scheduled, not yet fired or cancelled) timers. */
  get size(): number {
    return this.#size;
  }

  get running(): boolean {
    return this.#interval !== undefined;
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    const dueMs = this.#source() + Math.max(0, delayMs) - this.#origin;
    // Never into the slot being processed or one already passed: the earliest is the next tick.
    const dueTick = Math.max(Math.ceil(dueMs / this.tickMs), this.#tick + 1);
    const entry = new WheelEntry(this, dueTick, fire);
    const slot = dueTick % this.#slotCount;
    const head = this.#heads[slot];
    entry.next = head;
    if (head !== undefined) head.previous = entry;
    this.#heads[slot] = entry;
    this.#size++;
    return entry;
  }

  /** Turn the wheel on one interval; unref'd, so pending timers never keep the process alive. */
  start(): void {
    if (this.#interval !== undefined) return;
    this.#interval = setInterval(() => {
      try {
        this.advance(this.#source());
      } catch (error) {
        this.#onError(error);
      }
    }, this.tickMs);
    this.#interval.unref();
  }

  /** Stop turning; pending timers stay and fire once the wheel is started or advanced again. */
  stop(): void {
    if (this.#interval === undefined) return;
    clearInterval(this.#interval);
    this.#interval = undefined;
  }

  /**
   * Fire every timer due at or before `toMs` (on the scale of `now()`), tick by tick in order. A timer
   * that throws does not stop the others; the first error is rethrown once the wheel has caught up.
   */
  advance(toMs: number): void {
    const target = Math.floor((toMs - this.#origin) / this.tickMs);
    let firstError: { error: unknown } | undefined;
    while (this.#tick < target) {
      // Nothing scheduled: jump straight to the target instead of visiting empty slots.
      if (this.#size === 0) {
        this.#tick = target;
        break;
      }
      this.#tick++;
      const error = this.#processTick(this.#tick);
      firstError ??= error;
    }
    if (firstError !== undefined) throw firstError.error;
  }

  /** Take the slot's entries due by `tick` off the wheel, then fire them in scheduling order. */
  #processTick(tick: number): { error: unknown } | undefined {
    const slot = tick % this.#slotCount;
    const due = this.#due;
    for (let entry = this.#heads[slot]; entry !== undefined; entry = entry.next) {
      if (entry.dueTick <= tick) due.push(entry);
    }
    let firstError: { error: unknown } | undefined;
    // The slot list is newest first; fire oldest first.
    for (let i = due.length - 1; i >= 0; i--) {
      const entry = due[i]!;
      if (entry.state !== 'pending') continue; // cancelled by a timer fired earlier in this tick
      this.unlink(entry);
      entry.state = 'fired';
      try {
        entry.fire();
      } catch (error) {
        firstError ??= { error };
      }
    }
    due.length = 0;
    return firstError;
  }

  /** @internal Remove an entry from its slot list (cancel, or about to fire). */
  unlink(entry: WheelEntry): void {
    const slot = entry.dueTick % this.#slotCount;
    if (entry.previous !== undefined) entry.previous.next = entry.next;
    else if (this.#heads[slot] === entry) this.#heads[slot] = entry.next;
    if (entry.next !== undefined) entry.next.previous = entry.previous;
    entry.previous = undefined;
    entry.next = undefined;
    this.#size--;
  }
}
