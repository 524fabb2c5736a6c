// Test helper: a Clock that moves only when told. `advance(ms)` fires every timer due within the
// window in time order (ties in scheduling order), with `now()` set to each timer's due time while it
// fires, so timers that fired callbacks schedule inside the window fire too.

import type { Clock, Timer } from '../../src/clock/clock.js';

interface FakeTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly fire: () => void;
  live: boolean;
}

export class FakeClock implements Clock {
  #nowMs: number;
  #sequence = 0;
  #timers: FakeTimer[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(delayMs: number, fire: () => void): Timer {
    const timer: FakeTimer = {
      dueMs: this.#nowMs + Math.max(0, delayMs),
      sequence: this.#sequence++,
      fire,
      live: true,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.live = false;
      },
    };
  }

  /** Timers scheduled and neither fired nor cancelled. */
  get pending(): number {
    return this.#timers.filter((t) => t.live).length;
  }

  /** Move time forward by `ms`, firing every timer due on the way (a zero advance fires those due now). */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (let timer = this.#next(target); timer !== undefined; timer = this.#next(target)) {
      timer.live = false;
      this.#nowMs = Math.max(this.#nowMs, timer.dueMs);
      timer.fire();
    }
    this.#nowMs = target;
  }

  /** Fire whatever is due now (timers of zero delay). */
  flush(): void {
    this.advance(0);
  }

  #next(target: number): FakeTimer | undefined {
    this.#timers = this.#timers.filter((t) => t.live);
    let next: FakeTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.dueMs > target) continue;
      if (
        next === undefined ||
        timer.dueMs < next.dueMs ||
        (timer.dueMs === next.dueMs && timer.sequence < next.sequence)
      )
        next = timer;
    }
    return next;
  }
}
