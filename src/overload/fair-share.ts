// Max-min fair division of a capacity among sources (RFC 7339's spirit: shed the biggest senders
// first). The level is the most any one source may send in an interval: sources asking less keep
// all of theirs, and what they leave is shared by the rest.

/**
 * The per-source level L such that the demands capped at L add up to `capacity`: sum(min(d, L)) = C.
 * With no demands, or demands all under the capacity, the level is the capacity itself.
 */
export function fairShareLevel(capacity: number, demands: readonly number[]): number {
  if (demands.length === 0) return capacity;
  const sorted = [...demands].sort((a, b) => a - b);
  let remaining = capacity;
  for (let i = 0; i < sorted.length; i++) {
    const equalShare = remaining / (sorted.length - i);
    if (sorted[i]! >= equalShare) return Math.max(1, Math.floor(equalShare));
    remaining -= sorted[i]!;
  }
  // Every source fits: none need be limited below what it sent, nor below an equal share.
  return Math.max(sorted[sorted.length - 1]!, Math.floor(capacity / sorted.length), 1);
}
