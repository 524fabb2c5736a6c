import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { TargetBackoff } from './target-backoff.js';

const first = { protocol: 'tls', address: '192.0.2.1', port: 5061 };
const second = { protocol: 'tls', address: '192.0.2.2', port: 5061 };

describe('D2 failed targets are avoided for a back-off period', () => {
  it('D2 moves a failed target last and restores it after the back-off', () => {
    const clock = new FakeClock();
    const backoff = new TargetBackoff({ clock, backoffMs: 10_000 });
    backoff.reportFailure(first);
    expect(backoff.arrange([first, second])).toEqual([second, first]);
    clock.advance(10_000);
    expect(backoff.arrange([first, second])).toEqual([first, second]);
  });

  it('D2 still hands out every target when all of them failed', () => {
    const backoff = new TargetBackoff({ clock: new FakeClock(), backoffMs: 10_000 });
    backoff.reportFailure(first);
    backoff.reportFailure(second);
    expect(backoff.arrange([first, second])).toEqual([first, second]);
  });

  it('RFC 3261 §21.5.4 a 503 Retry-After longer than the back-off wins', () => {
    const clock = new FakeClock();
    const backoff = new TargetBackoff({ clock, backoffMs: 1_000 });
    backoff.reportFailure(first, { retryAfterMs: 60_000 });
    clock.advance(59_999);
    expect(backoff.isBackedOff(first)).toBe(true);
    clock.advance(1);
    expect(backoff.isBackedOff(first)).toBe(false);
  });

  it('D2 a back-off of 0 switches it off', () => {
    const backoff = new TargetBackoff({ clock: new FakeClock(), backoffMs: 0 });
    backoff.reportFailure(first);
    expect(backoff.isBackedOff(first)).toBe(false);
  });
});
