// The StateStore contract as tests, registered once per backend (memory-store.test.ts,
// sqlite-store.test.ts, test/integration/state/redis-store.test.ts), so the three cannot drift apart.
// Time is a hand-moved wall clock; TTLs are long enough that Redis's own (real-time) expiry never
// fires during a test, so what is checked is the contract's expiry, driven by `now`.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeCounterContract } from './state-store-counters.contract.js';
import type { StateStore } from './state-store.js';

export interface ContractHarness {
  /** A fresh, empty store reading wall-clock time from `now`. */
  open(now: () => number): Promise<StateStore>;
  /**
   * Records and counters live in separate backends (SplitStore), so a record key is not checked for
   * its kind by increment and takeToken; the policy layer keeps kinds apart by key prefix.
   */
  readonly recordsKeptApart?: boolean;
}

/** The fake clock and the store each test gets. */
export interface ContractContext {
  readonly store: StateStore;
  readonly recordsKeptApart: boolean;
  advance(ms: number): void;
}

export const START_MS = Date.UTC(2026, 0, 1);
export const DAY_MS = 86_400_000;

/** Registers the contract tests for one backend. */
export function describeStateStoreContract(backend: string, harness: ContractHarness): void {
  describe(`StateStore contract: ${backend}`, () => {
    let nowMs = START_MS;
    let store: StateStore | undefined;
    const context: ContractContext = {
      get store(): StateStore {
        if (store === undefined) throw new Error('the store is not open');
        return store;
      },
      recordsKeptApart: harness.recordsKeptApart ?? false,
      advance: (ms) => {
        nowMs += ms;
      },
    };
    beforeEach(async () => {
      nowMs = START_MS;
      store = await harness.open(() => nowMs);
    });
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });
    describeRecordContract(context);
    describeListContract(context);
    describeCounterContract(context);
  });
}

function describeRecordContract(context: ContractContext): void {
  describe('records', () => {
    it('returns undefined for a key never set', async () => {
      expect(await context.store.get('604:sip:nobody@example.com')).toBeUndefined();
    });

    it('returns a copy of what was set, which later changes to the original do not touch', async () => {
      const record = { until: 1_767_225_600_000, reason: '604 Does Not Exist Anywhere', via: ['b.example.net'] };
      await context.store.set('604:sip:bob@b.example.net', record);
      record.via.push('c.example.net');
      expect(await context.store.get('604:sip:bob@b.example.net')).toEqual({
        until: 1_767_225_600_000,
        reason: '604 Does Not Exist Anywhere',
        via: ['b.example.net'],
      });
    });

    it('stores strings, numbers, booleans, null and Unicode keys and values', async () => {
      const values: Array<[string, unknown]> = [
        ['s', 'text'],
        ['n', 42.5],
        ['b', false],
        ['z', null],
        ['ü:✓:𝄞', 'ünïcødé 𝄞'],
      ];
      for (const [key, value] of values) await context.store.set(key, value);
      for (const [key, value] of values) expect(await context.store.get(key)).toEqual(value);
    });

    it('replaces a record, and delete removes it (true once, then false)', async () => {
      await context.store.set('k', { a: 1 });
      await context.store.set('k', { a: 2 });
      expect(await context.store.get('k')).toEqual({ a: 2 });
      expect(await context.store.delete('k')).toBe(true);
      expect(await context.store.get('k')).toBeUndefined();
      expect(await context.store.delete('k')).toBe(false);
    });

    it('P4 keeps a 30-day record until its TTL has passed, then never returns it again', async () => {
      await context.store.set('604:sip:carol@b.example.net', { reason: 'gone' }, { ttlMs: 30 * DAY_MS });
      context.advance(30 * DAY_MS - 1);
      expect(await context.store.get('604:sip:carol@b.example.net')).toEqual({ reason: 'gone' });
      context.advance(1);
      expect(await context.store.get('604:sip:carol@b.example.net')).toBeUndefined();
      expect(await context.store.delete('604:sip:carol@b.example.net')).toBe(false);
    });

    it('Y2 keeps a 90-day tombstone through its 90 days and drops it after', async () => {
      await context.store.set('tombstone:sip:dave@a.example.org', { removedAt: START_MS }, { ttlMs: 90 * DAY_MS });
      context.advance(90 * DAY_MS - 1);
      expect(await context.store.get('tombstone:sip:dave@a.example.org')).toEqual({ removedAt: START_MS });
      context.advance(1);
      expect(await context.store.get('tombstone:sip:dave@a.example.org')).toBeUndefined();
    });

    it('keeps a record set without a TTL for good', async () => {
      await context.store.set('k', { kept: true });
      context.advance(3650 * DAY_MS);
      expect(await context.store.get('k')).toEqual({ kept: true });
    });

    it('takes the TTL of the latest set: setting again without one keeps the record for good', async () => {
      await context.store.set('k', 1, { ttlMs: 60_000 });
      await context.store.set('k', 2);
      context.advance(120_000);
      expect(await context.store.get('k')).toBe(2);
    });

    it('refuses values JSON cannot carry, and values that are not small, with STATE_VALUE_INVALID', async () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      for (const value of [undefined, () => 1, 10n, circular, 'x'.repeat(70_000)]) {
        await expect(context.store.set('k', value)).rejects.toMatchObject({ code: 'STATE_VALUE_INVALID' });
      }
    });

    it('refuses empty or oversized keys and non-positive TTLs with STATE_ARGUMENT_INVALID', async () => {
      await expect(context.store.get('')).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
      await expect(context.store.set('k'.repeat(1025), 1)).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
      await expect(context.store.set('k', 1, { ttlMs: 0 })).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
      await expect(context.store.set('k', 1, { ttlMs: 1.5 })).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
    });

    it('answers ping, and refuses every call with STATE_CLOSED once closed', async () => {
      await expect(context.store.ping()).resolves.toBeUndefined();
      await context.store.close();
      await expect(context.store.get('k')).rejects.toMatchObject({ code: 'STATE_CLOSED' });
      await expect(context.store.set('k', 1)).rejects.toMatchObject({ code: 'STATE_CLOSED' });
      await expect(context.store.ping()).rejects.toMatchObject({ code: 'STATE_CLOSED' });
    });
  });
}

function describeListContract(context: ContractContext): void {
  describe('list', () => {
    it('P4 lists the records under a prefix in key order, with values and expiry times', async () => {
      await context.store.set('604:sip:b@x', { n: 2 }, { ttlMs: DAY_MS });
      await context.store.set('604:sip:a@x', { n: 1 });
      await context.store.set('605:sip:a@x', { n: 3 });
      await context.store.set('60', { n: 4 });
      expect(await context.store.list('604:')).toEqual([
        { key: '604:sip:a@x', value: { n: 1 }, expiresAt: undefined },
        { key: '604:sip:b@x', value: { n: 2 }, expiresAt: START_MS + DAY_MS },
      ]);
    });

    it('pages with limit and after until an empty page', async () => {
      for (const name of ['e', 'a', 'd', 'b', 'c']) await context.store.set(`p:${name}`, name);
      const first = await context.store.list<string>('p:', { limit: 2 });
      expect(first.map((entry) => entry.value)).toEqual(['a', 'b']);
      const second = await context.store.list<string>('p:', { limit: 2, after: first.at(-1)!.key });
      expect(second.map((entry) => entry.value)).toEqual(['c', 'd']);
      const third = await context.store.list<string>('p:', { limit: 2, after: second.at(-1)!.key });
      expect(third.map((entry) => entry.value)).toEqual(['e']);
      expect(await context.store.list('p:', { limit: 2, after: 'p:e' })).toEqual([]);
    });

    it('lists every key for an empty prefix, and none for a prefix nothing starts with', async () => {
      await context.store.set('a', 1);
      await context.store.set('b', 2);
      expect((await context.store.list('')).map((entry) => entry.key)).toEqual(['a', 'b']);
      expect(await context.store.list('c')).toEqual([]);
    });

    it('never lists an expired record, and fills the page with live ones', async () => {
      await context.store.set('x:1', 1, { ttlMs: 60_000 });
      await context.store.set('x:2', 2);
      await context.store.set('x:3', 3, { ttlMs: 60_000 });
      await context.store.set('x:4', 4);
      context.advance(60_000);
      expect((await context.store.list('x:', { limit: 2 })).map((entry) => entry.key)).toEqual(['x:2', 'x:4']);
    });

    it('lists counters with their values, and skips token buckets and sets', async () => {
      await context.store.increment('r:count', { ttlMs: 60_000, by: 5 });
      await context.store.takeToken('r:bucket', { capacity: 2, refillPerSecond: 1 });
      await context.store.addToSet('r:set', 'sip:a@x', { ttlMs: 60_000 });
      expect(await context.store.list('r:')).toEqual([{ key: 'r:count', value: 5, expiresAt: START_MS + 60_000 }]);
    });

    it('takes glob and LIKE characters in a prefix literally', async () => {
      for (const key of ['q*:1', 'q?:1', 'q[1]:1', 'q%:1', 'q_:1', 'q\\:1', 'qa:1']) await context.store.set(key, key);
      for (const prefix of ['q*', 'q?', 'q[1]', 'q%', 'q_', 'q\\']) {
        expect((await context.store.list(prefix)).map((entry) => entry.key)).toEqual([`${prefix}:1`]);
      }
    });

    it('orders keys by UTF-8 bytes, so pages agree across backends', async () => {
      for (const key of ['u:\u{ff21}', 'u:\u{1f600}', 'u:z', 'u:\u00e9']) await context.store.set(key, key);
      expect((await context.store.list('u:')).map((entry) => entry.key)).toEqual([
        'u:z',
        'u:\u00e9',
        'u:\u{ff21}',
        'u:\u{1f600}',
      ]);
    });

    it('refuses a limit outside 1..1000 with STATE_ARGUMENT_INVALID', async () => {
      await expect(context.store.list('p:', { limit: 0 })).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
      await expect(context.store.list('p:', { limit: 1001 })).rejects.toMatchObject({ code: 'STATE_ARGUMENT_INVALID' });
    });
  });
}
