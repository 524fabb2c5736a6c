// The Redis backend against a real redis-server on loopback: the whole StateStore contract, then what
// only a shared store must prove (O7): two edge instances, each with its own connection, see one state,
// and the atomic operations stay atomic when both hammer the same key at once.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisStore } from '../../../src/state/redis-store.js';
import { describeStateStoreContract } from '../../../src/state/state-store.contract.js';
import { startRedisServer, type RunningRedis } from '../../support/redis-server.js';

let redis: RunningRedis | undefined;
let namespaces = 0;

function server(): RunningRedis {
  if (redis === undefined) throw new Error('redis-server is not running');
  return redis;
}

/** Two stores on one Redis, as two edge instances behind one domain's SRV records would be. */
async function twoInstances(now: () => number = Date.now): Promise<[RedisStore, RedisStore]> {
  const keyPrefix = `o7-${++namespaces}:`;
  return Promise.all([
    RedisStore.connect({ url: server().url, keyPrefix, now }),
    RedisStore.connect({ url: server().url, keyPrefix, now }),
  ]);
}

beforeAll(async () => {
  redis = await startRedisServer();
}, 600_000);

afterAll(async () => {
  await redis?.stop();
});

describeStateStoreContract('redis', {
  open: (now) => RedisStore.connect({ url: server().url, keyPrefix: `contract-${++namespaces}:`, now }),
});

describe('RedisStore shared by two edge instances', () => {
  it('O7 a record one instance sets is read and listed by the other', async () => {
    const [a, b] = await twoInstances();
    await a.set('604:sip:bob@b.example.net', { reason: 'gone' }, { ttlMs: 86_400_000 });
    expect(await b.get('604:sip:bob@b.example.net')).toEqual({ reason: 'gone' });
    expect((await b.list('604:')).map((entry) => entry.key)).toEqual(['604:sip:bob@b.example.net']);
    await Promise.all([a.close(), b.close()]);
  });

  it('O7 losing an instance loses no cached or tombstoned data', async () => {
    const [a, b] = await twoInstances();
    await a.set('604:sip:carol@b.example.net', { reason: 'gone' }, { ttlMs: 86_400_000 });
    await a.set('tombstone:sip:dave@a.example.org', { removedAt: 1 }, { ttlMs: 90 * 86_400_000 });
    await a.close();
    expect(await b.get('604:sip:carol@b.example.net')).toEqual({ reason: 'gone' });
    expect(await b.get('tombstone:sip:dave@a.example.org')).toEqual({ removedAt: 1 });
    await b.close();
  });

  it('O7 Y1 a token bucket of capacity C admits exactly C of many parallel takes from both instances', async () => {
    const fixedNow = Date.now(); // no refill while the takes race
    const [a, b] = await twoInstances(() => fixedNow);
    const bucket = { capacity: 50, refillPerSecond: 1 };
    const takes = Array.from({ length: 400 }, (_, i) =>
      (i % 2 === 0 ? a : b).takeToken('rate:sender:sip:spam@x', bucket),
    );
    const results = await Promise.all(takes);
    expect(results.filter((result) => result.allowed)).toHaveLength(50);
    expect(results.filter((result) => !result.allowed).every((result) => result.retryAfterMs === 1000)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });

  it('O7 counters and distinct-recipient sets are shared and atomic under parallel updates', async () => {
    const [a, b] = await twoInstances();
    const counts = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).increment('4xx:peer', { ttlMs: 60_000 })),
    );
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const sizes = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => a.addToSet('rcpt:sip:spam@x', `sip:${i}@y`, { ttlMs: 60_000 })),
      ...Array.from({ length: 10 }, (_, i) => b.addToSet('rcpt:sip:spam@x', `sip:${i + 5}@y`, { ttlMs: 60_000 })),
    ]);
    expect(Math.max(...sizes)).toBe(15);
    expect(await a.addToSet('rcpt:sip:spam@x', 'sip:0@y', { ttlMs: 60_000 })).toBe(15);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('RedisStore on the server', () => {
  it('namespaces every key and lets Redis expire records, counters, buckets and sets natively', async () => {
    const raw = new Redis(server().url);
    const store = await RedisStore.connect({ url: server().url, keyPrefix: 'native:' });
    await store.set('record', 1, { ttlMs: 150 });
    await store.increment('counter', { ttlMs: 150 });
    await store.addToSet('set', 'm', { ttlMs: 150 });
    await store.takeToken('bucket', { capacity: 1, refillPerSecond: 10 }); // full again in 100 ms
    await store.set('kept', 1);
    expect((await raw.keys('native:*')).sort()).toEqual([
      'native:bucket',
      'native:counter',
      'native:kept',
      'native:record',
      'native:set',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await raw.keys('native:*')).toEqual(['native:kept']);
    await store.close();
    raw.disconnect();
  });

  it('fails fast with STATE_UNAVAILABLE while Redis is down, and works again once it is back (no offline queue)', async () => {
    const own = await startRedisServer();
    const store = await RedisStore.connect({ url: own.url, commandTimeoutMs: 500, onError: () => undefined });
    let again: RunningRedis | undefined;
    try {
      await store.increment('c', { ttlMs: 60_000 }); // loads the script into this server
      await own.stop();
      const started = Date.now();
      await expect(store.get('k')).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      await expect(store.increment('c', { ttlMs: 60_000 })).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      await expect(store.ping()).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(2000);
      again = await startRedisServer({ port: own.port });
      await vi.waitFor(() => store.ping(), { timeout: 10_000, interval: 100 });
      expect(await store.increment('c', { ttlMs: 60_000 })).toBe(1); // a fresh server: the script is loaded again
    } finally {
      await store.close();
      await own.stop();
      await again?.stop();
    }
  });
});
