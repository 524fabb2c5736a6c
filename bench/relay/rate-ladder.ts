// The rate search: climb the ladder until the first failing step, then (optionally) bisect between the
// last good rung and the failing one until they are within a tenth of each other (at most three more
// steps): the rungs above 4,000/s are 50 % apart, too coarse to tell a 0.8 ratio from a 0.67 one. The
// highest passing step is the proxy's maximum sustained rate; a ladder climbed to the top says so,
// since the true maximum is then higher.

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
/** Bisection stops once the failing rate is within this share above the passing one … */
const REFINE_UNTIL_GAP = 0.1;
/** … or after this many refinement steps. */
const MAX_REFINEMENTS = 3;

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
  for (let refinement = 0; options.refine && firstFailure !== undefined && refinement < MAX_REFINEMENTS; refinement++) {
    const low = best?.rate ?? 0;
    if (firstFailure.rate - low <= REFINE_UNTIL_GAP * low) break;
    const middle = Math.round((low + firstFailure.rate) / 2 / REFINE_GRANULARITY) * REFINE_GRANULARITY;
    if (middle <= low || middle >= firstFailure.rate) break;
    const outcome = await attempt(middle);
    if (typeof outcome === 'string') return { steps, best, firstFailure, aborted: outcome };
    if (outcome.ok) best = outcome;
    else firstFailure = outcome;
  }
  return { steps, best, firstFailure };
}
