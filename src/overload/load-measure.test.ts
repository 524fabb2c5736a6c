import { describe, expect, it } from 'vitest';
import { EventLoopLoad } from './load-measure.js';

describe('Y5 load measure', () => {
  it('Y5 reports the event-loop utilisation as a share and the pending requests it is told', () => {
    let pending = 7;
    const load = new EventLoopLoad(() => pending);
    const first = load.sample();
    expect(first.eventLoopUtilisation).toBeGreaterThanOrEqual(0);
    expect(first.eventLoopUtilisation).toBeLessThanOrEqual(1);
    expect(first.pendingRequests).toBe(7);
    pending = 3;
    expect(load.sample().pendingRequests).toBe(3);
  });
});
