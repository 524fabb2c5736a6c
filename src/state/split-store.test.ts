import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { SplitStore } from './split-store.js';
import { SqliteStore } from './sqlite-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

const directory = mkdtempSync(path.join(tmpdir(), 'simple-edge-split-'));
let files = 0;
const nextFile = (): string => path.join(directory, `state-${++files}.db`);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function open(file: string, now: () => number): SplitStore {
  return new SplitStore({
    durable: new SqliteStore({ path: file, now, sweepIntervalMs: 0 }),
    volatile: new MemoryStore({ now, sweepIntervalMs: 0 }),
  });
}

describeStateStoreContract('sqlite records, memory counters', {
  open: async (now) => open(nextFile(), now),
  recordsKeptApart: true,
});

describe('SplitStore', () => {
  it('P4 Y2 keeps records on disk across a restart, while buckets and sets start afresh', async () => {
    const file = nextFile();
    const now = (): number => 1_000_000;
    const first = open(file, now);
    await first.set('604:sip:bob@b.example.net', { reason: 'gone' }, { ttlMs: 30 * 86_400_000 });
    await first.set('tombstone:sip:carol@a.example.com', { removedAt: 1 }, { ttlMs: 90 * 86_400_000 });
    await first.takeToken('rate:sender:x', { capacity: 2, refillPerSecond: 1, cost: 2 });
    await first.addToSet('recipients:sender:x', 'm1', { ttlMs: 60_000 });
    expect((await first.takeToken('rate:sender:x', { capacity: 2, refillPerSecond: 1 })).allowed).toBe(false);
    await first.close();

    const second = open(file, now);
    expect(await second.get('604:sip:bob@b.example.net')).toEqual({ reason: 'gone' });
    expect(await second.get('tombstone:sip:carol@a.example.com')).toEqual({ removedAt: 1 });
    expect((await second.takeToken('rate:sender:x', { capacity: 2, refillPerSecond: 1 })).allowed).toBe(true);
    expect(await second.addToSet('recipients:sender:x', 'm2', { ttlMs: 60_000 })).toBe(1);
    await second.close();
  });

  it('writes nothing to the file for counters, buckets and sets', async () => {
    const file = nextFile();
    const now = (): number => 1_000_000;
    const store = open(file, now);
    await store.increment('outcomes:b.example.net:0:ok', { ttlMs: 60_000 });
    await store.takeToken('rate:peer:b.example.net', { capacity: 5, refillPerSecond: 1 });
    await store.addToSet('recipients:peer:b.example.net', 'sip:a@a.example.com', { ttlMs: 60_000 });
    expect(await store.get('outcomes:b.example.net:0:ok')).toBe(1);
    await store.close();
    const disk = new SqliteStore({ path: file, now, sweepIntervalMs: 0 });
    expect(await disk.list('')).toEqual([]);
    await disk.close();
  });

  it("Y2 answers repeated durable reads from memory for readCacheMs: its own writes at once, another process's within it", async () => {
    const file = nextFile();
    let nowMs = 1_000_000;
    const now = (): number => nowMs;
    const edge = new SplitStore({
      durable: new SqliteStore({ path: file, now, sweepIntervalMs: 0 }),
      volatile: new MemoryStore({ now, sweepIntervalMs: 0 }),
      readCacheMs: 2000,
      now,
    });
    const cli = new SqliteStore({ path: file, now, sweepIntervalMs: 0 });
    expect(await edge.get('tombstone:sip:carol@a.example.com')).toBeUndefined();
    await cli.set('tombstone:sip:carol@a.example.com', { removedAt: 1 }, { ttlMs: 86_400_000 });
    expect(await edge.get('tombstone:sip:carol@a.example.com')).toBeUndefined(); // the absence is remembered…
    nowMs += 2000;
    expect(await edge.get('tombstone:sip:carol@a.example.com')).toEqual({ removedAt: 1 }); // …for readCacheMs
    await edge.delete('tombstone:sip:carol@a.example.com');
    expect(await edge.get('tombstone:sip:carol@a.example.com')).toBeUndefined();
    await edge.set('604:sip:list@b.example.net', { peer: 'b.example.net' }, { ttlMs: 60_000 });
    expect(await edge.get('604:sip:list@b.example.net')).toEqual({ peer: 'b.example.net' });
    await Promise.all([edge.close(), cli.close()]);
  });

  it('never reads a counter prefix from the durable half', async () => {
    const file = nextFile();
    const now = (): number => 1_000_000;
    const disk = new SqliteStore({ path: file, now, sweepIntervalMs: 0 });
    await disk.set('outcomes:b.example.net:0:ok', 7);
    const store = new SplitStore({
      durable: disk,
      volatile: new MemoryStore({ now, sweepIntervalMs: 0 }),
      volatilePrefixes: ['outcomes:'],
    });
    expect(await store.get('outcomes:b.example.net:0:ok')).toBeUndefined();
    await store.increment('outcomes:b.example.net:0:ok', { ttlMs: 60_000 });
    expect(await store.get('outcomes:b.example.net:0:ok')).toBe(1);
    await store.close();
  });
});
