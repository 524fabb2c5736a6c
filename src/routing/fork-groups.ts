// SPEC I5: the order in which a forked request reaches a user's contacts (RFC 3261 §16.6). In parallel
// mode the contacts of the highest q-value form the first group, tried at once, then the next q-value;
// in sequential mode each contact is a group of its own, best first.

import type { ForkingConfig } from '../config/community-schema.js';
import type { ForkBranch, ForkGroup } from './route-types.js';

export interface WeightedBranch {
  readonly branch: ForkBranch;
  /** The binding's q-value, 0..1. */
  readonly q: number;
}

/** Groups in the order they are tried; the branches come in the location service's order (best first). */
export function forkGroups(branches: readonly WeightedBranch[], mode: ForkingConfig['mode']): ForkGroup[] {
  // Sorting keeps equal q-values in the order given (Array.prototype.sort is stable).
  const ordered = [...branches].sort((a, b) => b.q - a.q);
  if (mode === 'sequential') return ordered.map(({ branch }) => [branch]);
  const groups: ForkBranch[][] = [];
  let q: number | undefined;
  for (const weighted of ordered) {
    if (weighted.q !== q) groups.push([]);
    q = weighted.q;
    groups[groups.length - 1]!.push(weighted.branch);
  }
  return groups;
}
