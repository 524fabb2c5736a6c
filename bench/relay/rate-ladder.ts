// The rate search: climb the ladder until the first failing step, then (optionally) try once halfway
// between the last good rung and the failing one. The highest passing step is the proxy's maximum
// sustained rate; a ladder climbed to the top says so, since the true maximum is then higher.

import type { StepOutcome } from './relay-step.js';

export interface LadderResult {
  readonly steps: readonly StepOutcome[];
  /** The highest passing step, if any passed. */
  readonly best: StepOutcome | undefined;
  /** The first failing step; undefined when every rung passed (the maximum is above the ladder). */
  readonly firstFailure: StepOutcome | undefined;
  /** A step could not be run at all (the proxy died, a port was taken): why. */
  readonly aborted?: string;
}

export interface LadderOptions {
  readonly ladder: readonly number[];
  readonly refine: boolean;
  readonly runStep: (rate: number) => Promise<StepOutcome>;
}

/** Refinement rates are rounded to this, so figures stay readable. */
const REFINE_GRANULARITY = 250;

export async function climbLadder(options: LadderOptions): Promise<LadderResult> {
  const steps: StepOutcome[] = [];
  let best: StepOutcome | undefined;
  let firstFailure: StepOutcome | undefined;
  const attempt = async (rate: number): Promise<StepOutcome | string> => {
    try {
      const outcome = await options.runStep(rate);
      steps.push(outcome);
      return outcome;
    } catch (error) {
      return `step at ${rate}/s not run: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  for (const rate of options.ladder) {
    const outcome = await attempt(rate);
    if (typeof outcome === 'string') return { steps, best, firstFailure, aborted: outcome };
    if (!outcome.ok) {
      firstFailure = outcome;
      break;
    }
    best = outcome;
  }
  if (options.refine && firstFailure !== undefined) {
    const low = best?.rate ?? 0;
    const middle = Math.round((low + firstFailure.rate) / 2 / REFINE_GRANULARITY) * REFINE_GRANULARITY;
    if (middle > low && middle < firstFailure.rate) {
      const outcome = await attempt(middle);
      if (typeof outcome === 'string') return { steps, best, firstFailure, aborted: outcome };
      if (outcome.ok) best = outcome;
      else firstFailure = outcome;
    }
  }
  return { steps, best, firstFailure };
}
