// The pacing loop: starts operations at the configured rate (climbing linearly over the ramp),
// spreads them over the scenarios by weight, never has more than `concurrency` outstanding, stops
// issuing after `duration` and waits for what is outstanding (each request is bounded by the
// timeout sweep). Bounded rate and bounded time, whatever the edge does.

import type { LoadContext, LoadScenario } from './load-scenario.js';
import type { RunSettings } from './scenario-schema.js';
import type { SipConnection } from './sip-connection.js';

export interface DriveOptions {
  readonly scenarios: readonly LoadScenario[];
  readonly weights: readonly number[];
  readonly settings: RunSettings;
  readonly context: LoadContext;
  /** Every connection whose requests the timeout sweep must look at. */
  readonly connections: () => Iterable<SipConnection>;
  readonly signal?: AbortSignal;
  /** Called about once a second while the run lasts. */
  readonly onTick?: (elapsedMs: number) => void;
}

/** Operations due after `t` seconds: the integral of the rate, a linear ramp then flat. */
export function operationsDue(t: number, rate: number, ramp: number): number {
  if (t <= 0) return 0;
  if (ramp > 0 && t < ramp) return (rate * t * t) / (2 * ramp);
  return rate * (t - ramp / 2);
}

/**
 * Smooth weighted round-robin (as nginx balances upstreams): each pick adds every weight to its
 * scenario's score and takes the highest, so a 3:1 mix interleaves 3 and 1 instead of bursting.
 */
export class WeightedRotation {
  readonly #weights: number[];
  readonly #scores: number[];

  constructor(weights: readonly number[]) {
    this.#weights = [...weights];
    this.#scores = weights.map(() => 0);
  }

  get empty(): boolean {
    return this.#weights.every((w) => w === 0);
  }

  next(): number {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.#weights.length; i++) {
      total += this.#weights[i]!;
      this.#scores[i]! += this.#weights[i]!;
      if (this.#weights[i]! > 0 && (best === -1 || this.#scores[i]! > this.#scores[best]!)) best = i;
    }
    if (best !== -1) this.#scores[best]! -= total;
    return best;
  }

  /** A scenario with nothing left to do leaves the rotation. */
  retire(index: number): void {
    this.#weights[index] = 0;
  }
}

export async function drive(options: DriveOptions): Promise<void> {
  const { settings, context } = options;
  const rotation = new WeightedRotation(options.weights);
  const startedAt = performance.now();
  let issued = 0;
  let outstanding = 0;
  let lastTick = 0;

  const issueOne = (): void => {
    for (;;) {
      const index = rotation.next();
      if (index === -1) return;
      if (outstanding >= settings.concurrency) {
        context.recorder.skipped(index);
        return;
      }
      const done = (outcome: string, latencyMs: number | undefined): void => {
        outstanding--;
        context.recorder.completed(index, outcome, latencyMs, performance.now());
      };
      outstanding++;
      if (options.scenarios[index]!.start(context, done)) return;
      outstanding--;
      rotation.retire(index);
    }
  };

  const sweep = (): void => {
    const now = performance.now();
    for (const connection of options.connections()) connection.sweep(now - settings.timeoutMs, now);
  };

  await new Promise<void>((resolve) => {
    const step = (): void => {
      const elapsed = performance.now() - startedAt;
      const stopping = elapsed >= settings.duration * 1000 || options.signal?.aborted === true || rotation.empty;
      if (!stopping) {
        const due = Math.floor(operationsDue(elapsed / 1000, settings.rate, settings.ramp));
        while (issued < due) {
          issued++;
          issueOne();
        }
      }
      if (elapsed - lastTick >= 100) {
        lastTick = elapsed;
        sweep();
        options.onTick?.(elapsed);
      }
      if (stopping && outstanding === 0) return resolve();
      // Past the end, outstanding requests drain; the sweep bounds the wait by the timeout.
      setTimeout(step, stopping ? 20 : 1);
    };
    step();
  });
}
