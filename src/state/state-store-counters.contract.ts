// The atomic half of the StateStore contract: fixed-window counters, token buckets (Y1), windowed sets
// (the distinct-recipient cap) and what happens when one key is used as two kinds of value.

import { describe, expect, it } from 'vitest';
import type { ContractContext } from './state-store.contract.js';

export function describeCounterContract(context: ContractContext): void {
  describeIncrement(context);
  describeTakeToken(context);
  describeAddToSet(context);
  describeKinds(context);
}

function describeIncrement(context: ContractContext): void {
  describe('increment', () => {
    it('counts within a fixed window that later increments do not extend, then starts again', async () => {
      const window = { ttlMs: 60_000 };
      expect(await context.store.increment('4xx:b.example.net', window)).toBe(1);
      expect(await context.store.increment('4xx:b.example.net', window)).toBe(2);
      context.advance(59_999);
      expect(await context.store.increment('4xx:b.example.net', window)).toBe(3);
      expect(await context.store.get('4xx:b.example.net')).toBe(3);
      context.advance(1);
      expect(await context.store.get('4xx:b.example.net')).toBeUndefined();
      expect(await context.store.increment('4xx:b.example.net', window)).toBe(1);
    });

    it('adds `by`, which may be negative or zero', async () => {
      expect(await context.store.increment('c', { ttlMs: 60_000, by: 10 })).toBe(10);
      expect(await context.store.increment('c', { ttlMs: 60_000, by: -3 })).toBe(7);
      expect(await context.store.increment('c', { ttlMs: 60_000, by: 0 })).toBe(7);
    });

    it('refuses a fractional `by` with STATE_ARGUMENT_INVALID', async () => {
      await expect(context.store.increment('c', { ttlMs: 1000, by: 0.5 })).rejects.toMatchObject({
        code: 'STATE_ARGUMENT_INVALID',
      });
    });
  });
}

function describeTakeToken(context: ContractContext): void {
  const bucket = { capacity: 3, refillPerSecond: 1 };
  describe('takeToken', () => {
    it('Y1 admits a burst of `capacity` from a new bucket, then refuses with the time until the next token', async () => {
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await context.store.takeToken('rate:sender:sip:a@x', bucket));
      expect(results).toEqual([
        { allowed: true, remaining: 2, retryAfterMs: 0 },
        { allowed: true, remaining: 1, retryAfterMs: 0 },
        { allowed: true, remaining: 0, retryAfterMs: 0 },
        { allowed: false, remaining: 0, retryAfterMs: 1000 },
      ]);
    });

    it('Y1 refills at refillPerSecond, never beyond capacity', async () => {
      const fast = { capacity: 4, refillPerSecond: 2 };
      for (let i = 0; i < 4; i++) await context.store.takeToken('b', fast);
      context.advance(500);
      expect(await context.store.takeToken('b', fast)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      context.advance(1250);
      expect(await context.store.takeToken('b', fast)).toEqual({ allowed: true, remaining: 1, retryAfterMs: 0 });
      context.advance(3_600_000);
      expect(await context.store.takeToken('b', fast)).toEqual({ allowed: true, remaining: 3, retryAfterMs: 0 });
    });

    it('Y1 a refused take costs nothing, and retryAfterMs is exactly when `cost` tokens are there', async () => {
      const costly = { capacity: 10, refillPerSecond: 4, cost: 3 };
      await context.store.takeToken('b', { ...costly, cost: 10 });
      expect(await context.store.takeToken('b', costly)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 750 });
      context.advance(749);
      expect(await context.store.takeToken('b', costly)).toEqual({ allowed: false, remaining: 2, retryAfterMs: 1 });
      context.advance(1);
      expect(await context.store.takeToken('b', costly)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    });

    it('Y1 keeps slow fractional rates exact (one token every 10 s, checked every second)', async () => {
      const slow = { capacity: 1, refillPerSecond: 0.1 };
      expect((await context.store.takeToken('b', slow)).allowed).toBe(true);
      for (let second = 0; second < 10; second++) {
        expect(await context.store.takeToken('b', slow)).toEqual({
          allowed: false,
          remaining: 0,
          retryAfterMs: 10_000 - second * 1000,
        });
        context.advance(1000);
      }
      expect(await context.store.takeToken('b', slow)).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
    });

    it('keeps separate buckets per key', async () => {
      await context.store.takeToken('rate:peer:b.example.net', { capacity: 1, refillPerSecond: 1 });
      expect(
        (await context.store.takeToken('rate:peer:c.example.net', { capacity: 1, refillPerSecond: 1 })).allowed,
      ).toBe(true);
    });

    it('refuses a bucket that never refills or a cost above capacity with STATE_ARGUMENT_INVALID', async () => {
      await expect(context.store.takeToken('b', { capacity: 1, refillPerSecond: 0 })).rejects.toMatchObject({
        code: 'STATE_ARGUMENT_INVALID',
      });
      await expect(context.store.takeToken('b', { capacity: 1, refillPerSecond: 1, cost: 2 })).rejects.toMatchObject({
        code: 'STATE_ARGUMENT_INVALID',
      });
    });
  });
}

function describeAddToSet(context: ContractContext): void {
  describe('addToSet', () => {
    it('Y1 counts distinct recipients per sender: a repeated member does not grow the set', async () => {
      const window = { ttlMs: 3_600_000 };
      expect(await context.store.addToSet('rcpt:sip:a@x', 'sip:1@y', window)).toBe(1);
      expect(await context.store.addToSet('rcpt:sip:a@x', 'sip:2@y', window)).toBe(2);
      expect(await context.store.addToSet('rcpt:sip:a@x', 'sip:1@y', window)).toBe(2);
      expect(await context.store.addToSet('rcpt:sip:b@x', 'sip:1@y', window)).toBe(1);
    });

    it('expires the whole set ttlMs after its creation, not after the latest add', async () => {
      await context.store.addToSet('s', 'm1', { ttlMs: 60_000 });
      context.advance(59_999);
      expect(await context.store.addToSet('s', 'm2', { ttlMs: 60_000 })).toBe(2);
      context.advance(1);
      expect(await context.store.addToSet('s', 'm2', { ttlMs: 60_000 })).toBe(1);
    });

    it('stores at most maxMembers and answers maxMembers + 1 for any new member beyond', async () => {
      const capped = { ttlMs: 60_000, maxMembers: 2 };
      await context.store.addToSet('s', 'm1', capped);
      expect(await context.store.addToSet('s', 'm2', capped)).toBe(2);
      expect(await context.store.addToSet('s', 'm3', capped)).toBe(3);
      expect(await context.store.addToSet('s', 'm4', capped)).toBe(3);
      expect(await context.store.addToSet('s', 'm1', capped)).toBe(2);
    });
  });
}

function describeKinds(context: ContractContext): void {
  describe('one key, one kind', () => {
    it('refuses increment, takeToken and addToSet on a key of another kind with STATE_WRONG_KIND', async () => {
      await context.store.set('record', { a: 1 });
      await context.store.takeToken('bucket', { capacity: 5, refillPerSecond: 1 });
      await context.store.addToSet('set', 'm', { ttlMs: 60_000 });
      const wrongKind = { code: 'STATE_WRONG_KIND' };
      if (!context.recordsKeptApart) {
        await expect(context.store.increment('record', { ttlMs: 1000 })).rejects.toMatchObject(wrongKind);
        await expect(context.store.takeToken('record', { capacity: 1, refillPerSecond: 1 })).rejects.toMatchObject(
          wrongKind,
        );
      }
      await expect(context.store.increment('set', { ttlMs: 1000 })).rejects.toMatchObject(wrongKind);
      await expect(context.store.addToSet('bucket', 'm', { ttlMs: 1000 })).rejects.toMatchObject(wrongKind);
    });

    it('reads buckets and sets as absent, and lets set and delete replace or remove any kind', async () => {
      await context.store.takeToken('bucket', { capacity: 5, refillPerSecond: 1 });
      await context.store.addToSet('set', 'm', { ttlMs: 60_000 });
      expect(await context.store.get('bucket')).toBeUndefined();
      expect(await context.store.delete('bucket')).toBe(true);
      expect((await context.store.takeToken('bucket', { capacity: 5, refillPerSecond: 1 })).remaining).toBe(4);
      await context.store.set('set', 'now a record');
      expect(await context.store.get('set')).toBe('now a record');
      await context.store.delete('set');
      expect(await context.store.addToSet('set', 'n', { ttlMs: 60_000 })).toBe(1);
    });

    it('lets an expired key be reused as another kind', async () => {
      await context.store.set('k', 'record', { ttlMs: 1000 });
      await context.store.addToSet('s', 'm', { ttlMs: 1000 });
      context.advance(1000);
      expect(await context.store.increment('k', { ttlMs: 1000 })).toBe(1);
      expect(await context.store.increment('s', { ttlMs: 1000 })).toBe(1);
    });
  });
}
