import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { SplitStore } from './split-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { SynchronousStore } from './synchronous-store.js';

const backends: Array<[string, () => SynchronousStore]> = [
  ['memory', () => new MemoryStore({ sweepIntervalMs: 0 })],
  ['sqlite', () => new SqliteStore({ path: ':memory:', sweepIntervalMs: 0 })],
  [
    'split',
    () =>
      new SplitStore({
        durable: new SqliteStore({ path: ':memory:', sweepIntervalMs: 0 }),
        volatile: new MemoryStore({ sweepIntervalMs: 0 }),
        volatilePrefixes: ['rate:'],
        readCacheMs: 2000,
      }),
  ],
];

describe.each(backends)('the immediate face of the %s store', (_name, open) => {
  let store: SynchronousStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('O7 answers every per-request operation with the value itself, not a promise', () => {
    store = open();
    const now = store.immediate;
    expect(now.set('tombstone:sip:carol@a.example.com', { removedAt: 1 }, { ttlMs: 60_000 })).toBeUndefined();
    expect(now.get('tombstone:sip:carol@a.example.com')).toEqual({ removedAt: 1 });
    expect(now.get('tombstone:sip:dave@a.example.com')).toBeUndefined();
    expect(now.increment('outcomes:b.example.net:0:ok', { ttlMs: 60_000 })).toBe(1);
    expect(now.takeToken('rate:peer:b.example.net', { capacity: 1, refillPerSecond: 1 })).toMatchObject({
      allowed: true,
      remaining: 0,
    });
    expect(now.takeToken('rate:peer:b.example.net', { capacity: 1, refillPerSecond: 1 })).toMatchObject({
      allowed: false,
    });
    expect(now.addToSet('recipients:peer:b.example.net', 'sip:a@a.example.com', { ttlMs: 60_000 })).toBe(1);
    expect(now.delete('tombstone:sip:carol@a.example.com')).toBe(true);
  });

  it('O7 shares its state with the async face: what one writes, the other reads', async () => {
    store = open();
    await store.set('604:sip:list@b.example.net', { peer: 'b.example.net' }, { ttlMs: 60_000 });
    expect(store.immediate.get('604:sip:list@b.example.net')).toEqual({ peer: 'b.example.net' });
    store.immediate.increment('violations:b.example.net:0:P8', { ttlMs: 60_000 });
    expect(await store.increment('violations:b.example.net:0:P8', { ttlMs: 60_000 })).toBe(2);
  });

  it('throws a StateError at once where the async face rejects with it', async () => {
    store = open();
    expect(() => store!.immediate.get('')).toThrow(
      expect.objectContaining({ code: 'STATE_ARGUMENT_INVALID' }) as Error,
    );
    await expect(store.get('')).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
  });
});
