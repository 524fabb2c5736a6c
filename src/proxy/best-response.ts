// RFC 3261 §16.7 step 6: choosing the response to send upstream when every branch has ended.

export interface BranchOutcome {
  readonly status: number;
  /** A response that arrived, or undefined when the edge stands in for one (408, 503). */
  readonly fromDownstream: boolean;
}

/**
 * A 6xx wins; otherwise the lowest class, and within it the first to arrive. A 503 from downstream
 * becomes 500 (the edge itself is not unavailable, §16.7 step 6); when every target was unreachable
 * the edge answers 503, and 408 when every one timed out.
 */
export function bestStatus(outcomes: readonly BranchOutcome[]): number {
  const best = bestOutcome(outcomes);
  if (best === undefined) return 503;
  return best.status === 503 && best.fromDownstream ? 500 : best.status;
}

/**
 * The outcome bestStatus chooses, as it arrived (a downstream 503 still a 503): what one branch of a
 * forked request reports to the fork, which chooses again among its branches (SPEC I5).
 */
export function bestOutcome<T extends BranchOutcome>(outcomes: readonly T[]): T | undefined {
  let best = outcomes[0];
  if (best === undefined) return undefined;
  for (const outcome of outcomes) {
    if (outcome.status >= 600) return outcome;
    if (Math.floor(outcome.status / 100) < Math.floor(best.status / 100)) best = outcome;
  }
  return best;
}

/** RFC 3263 §4.3: a failure after which the next target is tried. */
export function isFailoverStatus(status: number): boolean {
  return status === 503 || status === 408;
}
