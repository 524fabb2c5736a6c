import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { SqliteStore } from './sqlite-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

const directory = mkdtempSync(path.join(tmpdir(), 'simple-edge-sqlite-'));
let files = 0;
const nextFile = (): string => path.join(directory, `state-${++files}.db`);

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeStateStoreContract('sqlite', {
  open: async (now) => new SqliteStore({ path: nextFile(), now, sweepIntervalMs: 0 }),
});

function countRows(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('SqliteStore', () => {
  it('P4 keeps records, counters, buckets and sets across a close and reopen of the file', async () => {
    const file = nextFile();
    let nowMs = 1_000_000;
    const first = new SqliteStore({ path: file, now: () => nowMs, sweepIntervalMs: 0 });
    await first.set('604:sip:bob@b.example.net', { reason: 'gone' }, { ttlMs: 30 * 86_400_000 });
    await first.increment('count', { ttlMs: 60_000, by: 7 });
    await first.takeToken('bucket', { capacity: 3, refillPerSecond: 1, cost: 3 });
    await first.addToSet('set', 'm1', { ttlMs: 60_000 });
    await first.close();
    nowMs += 10;
    const second = new SqliteStore({ path: file, now: () => nowMs, sweepIntervalMs: 0 });
    expect(await second.get('604:sip:bob@b.example.net')).toEqual({ reason: 'gone' });
    expect(await second.increment('count', { ttlMs: 60_000 })).toBe(8);
    expect((await second.takeToken('bucket', { capacity: 3, refillPerSecond: 1 })).allowed).toBe(false);
    expect(await second.addToSet('set', 'm2', { ttlMs: 60_000 })).toBe(2);
    await second.close();
  });

  it('opens the file in WAL mode with synchronous NORMAL (FULL on request), creating its directory', async () => {
    const file = path.join(directory, 'nested', 'deeper', 'state.db');
    const normal = new SqliteStore({ path: file, sweepIntervalMs: 0 });
    await normal.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const full = new SqliteStore({ path: file, synchronous: 'full', sweepIntervalMs: 0 });
    await full.close();
  });

  it('Y4 purges expired rows and the members of expired sets, on the sweep and at open', async () => {
    const file = nextFile();
    let nowMs = 0;
    const clock = new FakeClock();
    const store = new SqliteStore({ path: file, now: () => nowMs, clock, sweepIntervalMs: 1000 });
    for (let i = 0; i < 1200; i++) await store.set(`old:${i}`, i, { ttlMs: 500 });
    await store.set('kept', 1);
    for (let i = 0; i < 3; i++) await store.addToSet('set', `m${i}`, { ttlMs: 500 });
    await store.set('later', 1, { ttlMs: 5000 });
    nowMs = 1000;
    clock.advance(1000);
    expect(countRows(file, 'state_entries')).toBe(2);
    expect(countRows(file, 'state_set_members')).toBe(0);
    await store.close();
    nowMs = 5000;
    const reopened = new SqliteStore({ path: file, now: () => nowMs, sweepIntervalMs: 0 });
    expect(countRows(file, 'state_entries')).toBe(1);
    await reopened.close();
  });

  it('refuses a file from a newer schema with STATE_UNAVAILABLE', () => {
    const file = nextFile();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore({ path: file, sweepIntervalMs: 0 })).toThrow(
      expect.objectContaining({ code: 'STATE_UNAVAILABLE' }),
    );
  });
});
