// RFC 2782 target selection: lower priority first; within one priority a weighted random order, in
// which each remaining record is picked with probability weight / (sum of remaining weights).

import type { SrvRecord } from './dns-records.js';

/** Returns a number in [0, 1), as Math.random does; tests pass a seeded generator. */
export type RandomSource = () => number;

type Weighted = Pick<SrvRecord, 'priority' | 'weight' | 'target'>;

/**
 * Every usable record in the order to try them; a "." target means "no service" (RFC 2782). One
 * array is allocated: the records sorted by priority (zero weights first within one), then each
 * priority's run reordered in place by the weighted draw.
 */
export function orderSrvRecords<R extends Weighted>(records: readonly R[], random: RandomSource = Math.random): R[] {
  const ordered = records.filter((r) => r.target !== '');
  ordered.sort((a, b) => a.priority - b.priority || Number(a.weight > 0) - Number(b.weight > 0));
  for (let start = 0; start < ordered.length;) {
    let end = start + 1;
    while (end < ordered.length && ordered[end]!.priority === ordered[start]!.priority) end++;
    weightedOrder(ordered, start, end, random);
    start = end;
  }
  return ordered;
}

/**
 * RFC 2782, "the following algorithm SHOULD be used": zero-weight records first in the list, a
 * random number between 0 and the sum of the remaining weights, the first record whose running sum
 * reaches it is next. Zero-weight records thus get a small chance, as the RFC intends.
 */
function weightedOrder<R extends Weighted>(list: R[], start: number, end: number, random: RandomSource): void {
  for (let next = start; next < end - 1; next++) {
    let total = 0;
    for (let i = next; i < end; i++) total += list[i]!.weight;
    const pick = Math.floor(random() * (total + 1));
    let running = 0;
    let chosen = end - 1;
    for (let i = next; i < end; i++) {
      running += list[i]!.weight;
      if (running >= pick) {
        chosen = i;
        break;
      }
    }
    // The chosen record moves to the front of what remains; the others keep their order.
    const record = list[chosen]!;
    for (let i = chosen; i > next; i--) list[i] = list[i - 1]!;
    list[next] = record;
  }
}
