// The embedded deployment's store (O7, Y4): records — the 604 cache, tombstones, 4xx memory,
// subscription dialogs — go to the durable backend and survive kill -9; counters, token buckets and
// distinct-recipient sets stay in process memory. Those are touched several times by every request
// and are only worth something for seconds to a day, while each SQLite write is a WAL commit of its
// own: keeping them on disk tripled the border chain's cost (docs/PERFORMANCE.md, "Border policy").
// A restart therefore refills every bucket and forgets the harvesting windows; a cluster, where the
// counters must be shared and atomic across instances, uses the Redis backend for everything.
//
// Kinds are kept apart by key prefix (store-keys.ts), so a key never holds a
// record in one half and a counter in the other; `set` and `delete` clear both halves regardless.

import { compareKeys, listLimit } from './state-arguments.js';
import type { ListEntry, ListOptions, SetOptions, TokenBucket, TokenResult } from './state-store.js';
import { SynchronousStore } from './synchronous-store.js';

export interface SplitStoreOptions {
  /** Records: must survive a restart. */
  readonly durable: SynchronousStore;
  /** Counters, buckets and sets: hot and short-lived. */
  readonly volatile: SynchronousStore;
  /**
   * Key prefixes that only ever hold counters, buckets or sets: reading one never falls through to
   * the durable half (a counter not yet incremented would otherwise cost a disk read per request).
   */
  readonly volatilePrefixes?: readonly string[];
  /**
   * How long a record read from the durable half (or found absent there) is answered from memory.
   * Everything this process writes updates it at once; a write by another process on the same file
   * (the `users` command, a second edge) is seen within this time. 0: every read goes to disk.
   */
  readonly readCacheMs?: number;
  /** Wall-clock milliseconds, for the read cache. */
  readonly now?: () => number;
}

/** Reads answered from memory at most; the oldest go first beyond it. */
const READ_CACHE_ENTRIES = 50_000;

interface CachedRead {
  readonly value: unknown;
  readonly until: number;
}

export class SplitStore extends SynchronousStore {
  readonly #durable: SynchronousStore;
  readonly #volatile: SynchronousStore;
  readonly #volatilePrefixes: readonly string[];
  readonly #readCacheMs: number;
  readonly #now: () => number;
  /** Durable reads, present or absent, kept for readCacheMs: most lookups (tombstone, 4xx memory) find nothing. */
  readonly #reads = new Map<string, CachedRead>();

  constructor(options: SplitStoreOptions) {
    super();
    this.#durable = options.durable;
    this.#volatile = options.volatile;
    this.#volatilePrefixes = options.volatilePrefixes ?? [];
    this.#readCacheMs = options.readCacheMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  protected getNow<T>(key: string): T | undefined {
    // A counter reads as its number; memory is asked first because it costs nothing.
    const counter = this.#volatile.immediate.get<T>(key);
    if (counter !== undefined || this.#isVolatile(key)) return counter;
    const cached = this.#reads.get(key);
    if (cached !== undefined && cached.until > this.#now()) return cached.value as T | undefined;
    const value = this.#durable.immediate.get<T>(key);
    this.#remember(key, value);
    return value;
  }

  protected setNow<T>(key: string, value: T, options?: { ttlMs?: number }): void {
    this.#volatile.immediate.delete(key);
    this.#durable.immediate.set(key, value, options);
    // What was written is read back from disk once: the durable half owns the copy and the expiry.
    this.#reads.delete(key);
  }

  protected deleteNow(key: string): boolean {
    const fromVolatile = this.#volatile.immediate.delete(key);
    const fromDurable = this.#durable.immediate.delete(key);
    this.#reads.delete(key);
    return fromVolatile || fromDurable;
  }

  #isVolatile(key: string): boolean {
    for (const prefix of this.#volatilePrefixes) if (key.startsWith(prefix)) return true;
    return false;
  }

  #remember(key: string, value: unknown): void {
    if (this.#readCacheMs <= 0) return;
    if (this.#reads.size >= READ_CACHE_ENTRIES) this.#reads.delete(this.#reads.keys().next().value!);
    this.#reads.set(key, { value, until: this.#now() + this.#readCacheMs });
  }

  /** Both halves under the prefix, merged in key order; a page is at most `limit` long. */
  async list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>> {
    const limit = listLimit(options);
    const [volatile, durable] = await Promise.all([
      this.#volatile.list<T>(prefix, options),
      this.#durable.list<T>(prefix, options),
    ]);
    return [...volatile, ...durable].sort((a, b) => compareKeys(a.key, b.key)).slice(0, limit);
  }

  protected incrementNow(key: string, options: { by?: number; ttlMs: number }): number {
    return this.#volatile.immediate.increment(key, options);
  }

  protected takeTokenNow(key: string, bucket: TokenBucket): TokenResult {
    return this.#volatile.immediate.takeToken(key, bucket);
  }

  protected addToSetNow(key: string, member: string, options: SetOptions): number {
    return this.#volatile.immediate.addToSet(key, member, options);
  }

  async ping(): Promise<void> {
    await this.#durable.ping();
  }

  async close(): Promise<void> {
    await Promise.all([this.#volatile.close(), this.#durable.close()]);
  }
}
