import { describe, expect, it } from 'vitest';
import { editDistance, nearestKey } from './nearest-key.js';

describe('O1 nearest known key', () => {
  const limits = ['maxStartLineBytes', 'maxHeaderBytes', 'maxHeaders', 'maxVias'];

  it('suggests the key a typo most likely meant', () => {
    expect(nearestKey('maxHeadersBytes', limits)).toBe('maxHeaderBytes');
    expect(nearestKey('maxheaders', limits)).toBe('maxHeaders');
    expect(nearestKey('maxStartLineSize', limits)).toBe('maxStartLineBytes');
  });

  it('suggests nothing when no key is close', () => {
    expect(nearestKey('colour', limits)).toBeUndefined();
  });

  it('measures Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
