import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { MemoryStore } from './memory-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('memory', { open: async (now) => new MemoryStore({ now, sweepIntervalMs: 0 }) });

describe('MemoryStore', () => {
  it('Y4 sweeps expired entries of every kind periodically, so nothing grows without bound', async () => {
    let nowMs = 0;
    const clock = new FakeClock();
    const store = new MemoryStore({ now: () => nowMs, clock, sweepIntervalMs: 1000 });
    await store.set('record', 1, { ttlMs: 500 });
    await store.set('kept', 1);
    await store.increment('counter', { ttlMs: 500 });
    await store.takeToken('bucket', { capacity: 1, refillPerSecond: 10 });
    await store.addToSet('set', 'm', { ttlMs: 500 });
    expect(store.size).toBe(5);
    nowMs = 1000;
    clock.advance(1000);
    expect(store.size).toBe(1);
    await store.close();
    expect(clock.pending).toBe(0);
  });

  it('drops an expired entry as soon as it is read', async () => {
    let nowMs = 0;
    const store = new MemoryStore({ now: () => nowMs, sweepIntervalMs: 0 });
    await store.set('k', 1, { ttlMs: 10 });
    nowMs = 10;
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
