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
  if (outcomes.length === 0) return 503;
  const global = outcomes.find((o) => o.status >= 600);
  if (global !== undefined) return global.status;
  let best = outcomes[0]!;
  for (const outcome of outcomes) {
    if (Math.floor(outcome.status / 100) < Math.floor(best.status / 100)) best = outcome;
  }
  return best.status === 503 && best.fromDownstream ? 500 : best.status;
}

/** RFC 3263 §4.3: a failure after which the next target is tried. */
export function isFailoverStatus(status: number): boolean {
  return status === 503 || status === 408;
}
