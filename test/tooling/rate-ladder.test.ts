// L2: the relay benchmark's rate search finds a proxy's maximum to within a tenth, so the policy
// on/off ratio (the 0.8 target of docs/PERFORMANCE.md) is not decided by rungs 50 % apart.

import { describe, expect, it } from 'vitest';
import { climbLadder } from '../../bench/relay/rate-ladder.js';
import type { StepOutcome } from '../../bench/relay/relay-step.js';

/** A proxy whose steps pass up to `maximum` MESSAGE/s: only rate and ok matter to the search. */
function proxyUpTo(maximum: number): { runStep: (rate: number) => Promise<StepOutcome>; rates: number[] } {
  const rates: number[] = [];
  return {
    rates,
    runStep: async (rate) => {
      rates.push(rate);
      return { rate, ok: rate <= maximum } as StepOutcome;
    },
  };
}

const LADDER = [1000, 2000, 4000, 6000, 8000];

describe('relay rate search (L2)', () => {
  it.each([4700, 5200, 5900, 4100])('L2 finds a maximum of %i/s to within 10 %', async (maximum) => {
    const proxy = proxyUpTo(maximum);
    const result = await climbLadder({ ladder: LADDER, refine: true, runStep: proxy.runStep });
    expect(result.best!.rate).toBeLessThanOrEqual(maximum);
    expect(result.best!.rate).toBeGreaterThanOrEqual(maximum * 0.9 - 250);
    expect(result.firstFailure!.rate - result.best!.rate).toBeLessThanOrEqual(Math.max(0.1 * result.best!.rate, 500));
    expect(proxy.rates.length).toBeLessThanOrEqual(LADDER.indexOf(6000) + 1 + 3);
  });

  it('L2 without refinement stops at the first failing rung', async () => {
    const proxy = proxyUpTo(4700);
    const result = await climbLadder({ ladder: LADDER, refine: false, runStep: proxy.runStep });
    expect(result.best?.rate).toBe(4000);
    expect(proxy.rates).toEqual([1000, 2000, 4000, 6000]);
  });

  it('L2 reports a ladder climbed to the top as having no failure', async () => {
    const result = await climbLadder({ ladder: LADDER, refine: true, runStep: proxyUpTo(100_000).runStep });
    expect(result.best?.rate).toBe(8000);
    expect(result.firstFailure).toBeUndefined();
  });
});
