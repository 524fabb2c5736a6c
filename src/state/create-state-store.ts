// The one place that turns the `state` section of the configuration into a store.

import type { EdgeConfig } from '../config/config-schema.js';
import type { SweepOptions } from './expiry-sweeper.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { SplitStore } from './split-store.js';
import { SqliteStore } from './sqlite-store.js';
import { StateError } from './state-error.js';
import type { StateStore, StateStoreOptions } from './state-store.js';

export interface CreateStateStoreOptions extends StateStoreOptions, SweepOptions {
  /** Redis only: the namespace for every key. Default `se:`. */
  readonly keyPrefix?: string;
  /** Redis only: connection errors while the client reconnects, for the logger. */
  readonly onError?: (error: Error) => void;
  /** SQLite only: key prefixes that only hold counters, buckets or sets (split-store.ts). */
  readonly volatilePrefixes?: readonly string[];
}

/**
 * Records read from the SQLite file are answered from memory for this long (split-store.ts): a
 * tombstone or 604 written by another process on the same file is enforced within it.
 */
const SQLITE_READ_CACHE_MS = 2000;

/** Opens the configured backend; throws StateError `STATE_UNAVAILABLE` when it cannot be reached. */
export async function createStateStore(
  config: EdgeConfig['state'],
  options: CreateStateStoreOptions = {},
): Promise<StateStore> {
  switch (config.backend) {
    case 'memory':
      return new MemoryStore(options);
    case 'sqlite':
      // Records on disk, the per-request counters in memory (split-store.ts says why).
      return new SplitStore({
        durable: new SqliteStore({ ...options, path: config.path }),
        volatile: new MemoryStore(options),
        readCacheMs: SQLITE_READ_CACHE_MS,
        ...(options.now === undefined ? {} : { now: options.now }),
        ...(options.volatilePrefixes === undefined ? {} : { volatilePrefixes: options.volatilePrefixes }),
      });
    case 'redis':
      // The schema already insists on redisUrl for this backend; this guards hand-built configs.
      if (config.redisUrl === null)
        throw new StateError('STATE_ARGUMENT_INVALID', 'state.redisUrl is required for the redis backend');
      return RedisStore.connect({ ...options, url: config.redisUrl });
  }
}
