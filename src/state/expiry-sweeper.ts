// The periodic purge of expired entries for the backends that keep them themselves (memory, SQLite):
// reads already skip expired entries, the sweep is what keeps the store from growing without bound.

import type { Clock, Timer } from '../clock/clock.js';

export interface SweepOptions {
  /** Schedules the sweeps; without one an unref'd setInterval does, so it never holds the process open. */
  readonly clock?: Clock;
  /** Milliseconds between sweeps; 0 turns the periodic sweep off. Default 60 000. */
  readonly sweepIntervalMs?: number;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

export interface ExpirySweeper {
  stop(): void;
}

/** Run `sweep` every interval until stopped; a failing sweep is reported to `onError` and retried next time. */
export function startExpirySweeper(
  options: SweepOptions,
  sweep: () => void,
  onError: (error: unknown) => void = () => undefined,
): ExpirySweeper {
  const intervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (intervalMs <= 0) return { stop: () => undefined };
  const runOnce = (): void => {
    try {
      sweep();
    } catch (error) {
      onError(error);
    }
  };
  const clock = options.clock;
  if (clock === undefined) {
    const interval = setInterval(runOnce, intervalMs);
    interval.unref();
    return { stop: () => clearInterval(interval) };
  }
  let timer: Timer | undefined;
  const arm = (): void => {
    timer = clock.setTimer(intervalMs, () => {
      runOnce();
      if (timer !== undefined) arm();
    });
  };
  arm();
  return {
    stop: () => {
      timer?.cancel();
      timer = undefined;
    },
  };
}
