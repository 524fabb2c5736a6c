import { describe, expect, it } from 'vitest';
import { operationsDue, WeightedRotation } from './load-driver.js';

describe('L1 load pacing', () => {
  it('L1 without a ramp, operations due grow linearly at the rate', () => {
    expect(operationsDue(0, 100, 0)).toBe(0);
    expect(operationsDue(2.5, 100, 0)).toBe(250);
  });

  it('L1 with a ramp the rate climbs linearly from zero, then holds: half the ramp is lost', () => {
    expect(operationsDue(1, 100, 2)).toBe(25);
    expect(operationsDue(2, 100, 2)).toBe(100);
    expect(operationsDue(4, 100, 2)).toBe(300);
  });

  it('L1 a weighted mix interleaves scenarios in proportion to their weights', () => {
    const rotation = new WeightedRotation([3, 1]);
    const picks = Array.from({ length: 8 }, () => rotation.next());
    expect(picks.filter((p) => p === 0)).toHaveLength(6);
    expect(picks.slice(0, 4).filter((p) => p === 1)).toHaveLength(1);
  });

  it('L1 a retired scenario is never picked again, and an empty rotation says so', () => {
    const rotation = new WeightedRotation([1, 1]);
    rotation.retire(0);
    expect(Array.from({ length: 4 }, () => rotation.next())).toEqual([1, 1, 1, 1]);
    rotation.retire(1);
    expect(rotation.empty).toBe(true);
    expect(rotation.next()).toBe(-1);
  });
});
