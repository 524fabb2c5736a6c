import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { Clock } from './clock.js';
import { TimerWheel } from './timer-wheel.js';

interface Driven {
  readonly clock: Clock;
  advance(ms: number): void;
  pending(): number;
}

function manualWheel(options: { tickMs?: number; slots?: number } = {}): Driven & { wheel: TimerWheel } {
  let nowMs = 1000;
  const wheel = new TimerWheel({ ...options, now: () => nowMs });
  return {
    clock: wheel,
    wheel,
    advance(ms: number) {
      nowMs += ms;
      wheel.advance(nowMs);
    },
    pending: () => wheel.size,
  };
}

function fakeClock(): Driven {
  const clock = new FakeClock();
  return { clock, advance: (ms) => clock.advance(ms), pending: () => clock.pending };
}

describe.each([
  ['TimerWheel', () => manualWheel()],
  ['FakeClock', fakeClock],
])('the Clock contract: %s', (_name, make: () => Driven) => {
  it('fires a timer once its delay has passed, and not before', () => {
    const { clock, advance } = make();
    const fire = vi.fn();
    clock.setTimer(100, fire);
    advance(90);
    expect(fire).not.toHaveBeenCalled();
    advance(20);
    expect(fire).toHaveBeenCalledTimes(1);
    advance(1000);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('fires due timers in time order', () => {
    const { clock, advance } = make();
    const order: number[] = [];
    clock.setTimer(300, () => order.push(300));
    clock.setTimer(100, () => order.push(100));
    clock.setTimer(200, () => order.push(200));
    advance(1000);
    expect(order).toEqual([100, 200, 300]);
  });

  it('never fires a cancelled timer, and cancelling twice is harmless', () => {
    const { clock, advance, pending } = make();
    const fire = vi.fn();
    const timer = clock.setTimer(50, fire);
    expect(pending()).toBe(1);
    timer.cancel();
    timer.cancel();
    expect(pending()).toBe(0);
    advance(100);
    expect(fire).not.toHaveBeenCalled();
  });

  it('fires a timer that a fired timer scheduled, once its own delay has passed', () => {
    const { clock, advance } = make();
    const fire = vi.fn();
    clock.setTimer(100, () => clock.setTimer(100, fire));
    for (let i = 0; i < 19; i++) advance(10);
    expect(fire).not.toHaveBeenCalled();
    advance(20);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('lets a fired timer cancel another one due at the same time', () => {
    const { clock, advance } = make();
    const second = vi.fn();
    clock.setTimer(100, () => victim.cancel());
    const victim = clock.setTimer(100, second);
    advance(200);
    expect(second).not.toHaveBeenCalled();
  });

  it('counts pending timers', () => {
    const { clock, advance, pending } = make();
    clock.setTimer(10, () => {});
    clock.setTimer(5000, () => {});
    expect(pending()).toBe(2);
    advance(100);
    expect(pending()).toBe(1);
  });
});

describe('FakeClock', () => {
  it('fires, within one advance, the timers that fired timers schedule inside the window', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(100, () => {
      seen.push(clock.now());
      clock.setTimer(100, () => seen.push(clock.now()));
    });
    clock.advance(250);
    expect(seen).toEqual([100, 200]);
    expect(clock.now()).toBe(250);
  });

  it('fires zero-delay timers on flush', () => {
    const clock = new FakeClock();
    const fire = vi.fn();
    clock.setTimer(0, fire);
    clock.flush();
    expect(fire).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
});

describe('TimerWheel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rounds a delay up to the tick resolution', () => {
    const { clock, advance } = manualWheel({ tickMs: 10 });
    const fire = vi.fn();
    clock.setTimer(1, fire);
    advance(9);
    expect(fire).not.toHaveBeenCalled();
    advance(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('fires a timer due several revolutions ahead only on its own round', () => {
    const { clock, advance } = manualWheel({ tickMs: 10, slots: 8 });
    const fire = vi.fn();
    clock.setTimer(250, fire); // 25 ticks: three revolutions of 8 slots and a bit
    advance(80);
    advance(80);
    advance(80);
    expect(fire).not.toHaveBeenCalled();
    advance(10);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('fires a zero delay on the next tick, never inside the current one', () => {
    const { clock, advance } = manualWheel();
    const order: string[] = [];
    clock.setTimer(10, () => {
      order.push('first');
      clock.setTimer(0, () => order.push('zero'));
    });
    advance(10);
    expect(order).toEqual(['first']);
    advance(10);
    expect(order).toEqual(['first', 'zero']);
  });

  it('keeps firing the other timers when one throws, then rethrows the first error', () => {
    const { clock, advance } = manualWheel();
    const after = vi.fn();
    clock.setTimer(10, () => {
      throw new Error('boom');
    });
    clock.setTimer(20, after);
    expect(() => advance(30)).toThrow('boom');
    expect(after).toHaveBeenCalledTimes(1);
  });

  it('runs thousands of timers on one interval, not one setTimeout each', () => {
    vi.useFakeTimers();
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    const setTimeout = vi.spyOn(globalThis, 'setTimeout');
    const wheel = new TimerWheel();
    wheel.start();
    let fired = 0;
    for (let i = 0; i < 5000; i++) wheel.setTimer(i % 7000, () => fired++);
    expect(setInterval).toHaveBeenCalledTimes(1);
    expect(setTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(8000);
    expect(fired).toBe(5000);
    expect(wheel.size).toBe(0);
    wheel.stop();
    expect(wheel.running).toBe(false);
  });

  it("never keeps the process alive: its one interval is unref'd", () => {
    const handle = { unref: vi.fn() };
    const setInterval = vi
      .spyOn(globalThis, 'setInterval')
      .mockReturnValue(handle as unknown as ReturnType<typeof globalThis.setInterval>);
    const clearInterval = vi.spyOn(globalThis, 'clearInterval').mockImplementation(() => {});
    const wheel = new TimerWheel();
    wheel.start();
    wheel.start(); // a second start is harmless
    expect(setInterval).toHaveBeenCalledTimes(1);
    expect(handle.unref).toHaveBeenCalledTimes(1);
    wheel.stop();
    expect(clearInterval).toHaveBeenCalledWith(handle);
    setInterval.mockRestore();
    clearInterval.mockRestore();
  });

  it('rejects a resolution that is not positive', () => {
    expect(() => new TimerWheel({ tickMs: 0 })).toThrow(RangeError);
    expect(() => new TimerWheel({ slots: 0 })).toThrow(RangeError);
  });

  it('measures time on the monotonic performance clock', () => {
    const wheel = new TimerWheel();
    const a = wheel.now();
    const b = wheel.now();
    expect(b).toBeGreaterThanOrEqual(a);
  });
});

describe('TimerWheel on the real clock', () => {
  it('fires a timer from its own interval once started', async () => {
    const wheel = new TimerWheel({ tickMs: 5 });
    wheel.start();
    const fired = new Promise<number>((resolve) => {
      const start = wheel.now();
      wheel.setTimer(20, () => resolve(wheel.now() - start));
    });
    try {
      expect(await fired).toBeGreaterThanOrEqual(19);
    } finally {
      wheel.stop();
    }
  });

  it('schedules and cancels a hundred thousand timers, leaving none behind', () => {
    const wheel = new TimerWheel({ now: () => 0 });
    const timers = Array.from({ length: 100_000 }, (_, i) => wheel.setTimer(i, () => {}));
    expect(wheel.size).toBe(100_000);
    for (const timer of timers) timer.cancel();
    expect(wheel.size).toBe(0);
    wheel.advance(200_000);
  });
});

describe('a timer that throws on a running wheel', () => {
  it('MUST be reported to onError, not end the process, and not stop later timers', async () => {
    const errors: unknown[] = [];
    const wheel = new TimerWheel({ tickMs: 1, onError: (error) => errors.push(error) });
    let later = false;
    wheel.setTimer(1, () => {
      throw new Error('boom');
    });
    wheel.setTimer(5, () => (later = true));
    wheel.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    wheel.stop();
    expect(errors).toHaveLength(1);
    expect(later).toBe(true);
  });
});
