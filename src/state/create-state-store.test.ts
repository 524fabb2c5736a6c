import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateSchema } from '../config/state-schema.js';
import { createStateStore } from './create-state-store.js';
import { MemoryStore } from './memory-store.js';
import { SplitStore } from './split-store.js';
import { SqliteStore } from './sqlite-store.js';

const directory = mkdtempSync(path.join(tmpdir(), 'simple-edge-factory-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('createStateStore', () => {
  it('opens the memory backend', async () => {
    const store = await createStateStore(stateSchema.parse({ backend: 'memory' }));
    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });

  it('opens the SQLite file at state.path by default, for records only', async () => {
    const file = path.join(directory, 'var', 'state.db');
    const store = await createStateStore(stateSchema.parse({ path: file }));
    expect(store).toBeInstanceOf(SplitStore);
    await store.set('k', 1);
    await store.increment('hits', { ttlMs: 60_000 });
    await store.close();
    const reopened = new SqliteStore({ path: file, sweepIntervalMs: 0 });
    expect(await reopened.get('k')).toBe(1);
    expect(await reopened.get('hits')).toBeUndefined(); // counters live in memory
    await reopened.close();
  });

  it('fails with STATE_UNAVAILABLE when Redis cannot be reached', async () => {
    const config = stateSchema.parse({ backend: 'redis', redisUrl: 'redis://127.0.0.1:1' });
    await expect(createStateStore(config, {})).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
  });
});
