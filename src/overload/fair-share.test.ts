import { describe, expect, it } from 'vitest';
import { fairShareLevel } from './fair-share.js';

describe('Y5 max-min fair shares', () => {
  it('Y5 leaves small senders all they sent and caps the biggest at what remains', () => {
    expect(fairShareLevel(100, [5, 10, 500])).toBe(85);
    expect(fairShareLevel(100, [500, 500])).toBe(50);
    expect(fairShareLevel(90, [20, 500, 500])).toBe(35);
  });

  it('Y5 caps nobody below what they sent when everything fits, nor below an equal share', () => {
    expect(fairShareLevel(100, [10, 20])).toBe(50);
    expect(fairShareLevel(100, [])).toBe(100);
  });

  it('Y5 always lets each source at least one request', () => {
    expect(fairShareLevel(2, [50, 50, 50, 50])).toBe(1);
  });
});
