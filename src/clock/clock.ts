// Time as the edge sees it. Every timer in the process goes through a Clock, so that tests drive time
// by hand (test/support/fake-clock.ts) and production runs thousands of timers on one timer wheel
// (timer-wheel.ts) instead of one setTimeout each.

export interface Timer {
  /** Stop the timer; harmless after it fired or was already cancelled. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time). */
  now(): number;
  /** Call `fire` once, `delayMs` from now (rounded up to the clock's resolution). */
  setTimer(delayMs: number, fire: () => void): Timer;
}
