import { describe, expect, it } from 'vitest';
import { forkGroups, type WeightedBranch } from './fork-groups.js';

function branch(name: string, q: number): WeightedBranch {
  return { branch: { targets: [], requestUri: `sip:alice@${name}` }, q };
}

function names(groups: ReturnType<typeof forkGroups>): string[][] {
  return groups.map((group) => group.map((b) => b.requestUri.slice('sip:alice@'.length)));
}

describe('I5 fork groups (RFC 3261 §16.6)', () => {
  it('I5 in parallel mode groups contacts by q-value, highest first, keeping the order within a q', () => {
    const groups = forkGroups([branch('b', 0.5), branch('a', 1), branch('c', 0.5), branch('d', 1)], 'parallel');
    expect(names(groups)).toEqual([
      ['a', 'd'],
      ['b', 'c'],
    ]);
  });

  it('I5 in sequential mode makes each contact a group of its own, best q first', () => {
    const groups = forkGroups([branch('b', 0.5), branch('a', 1), branch('c', 0.7)], 'sequential');
    expect(names(groups)).toEqual([['a'], ['c'], ['b']]);
  });
});
