// The store contract the inter-domain policy layer uses for everything it must remember: the 604 cache
// (P4), tombstones (Y2), 4xx memory, rate limits (Y1), distinct-recipient caps and, later, subscription
// dialogs. Every method is async so that Redis (O7) fits the same contract as the embedded SQLite file.
// The backends that never wait for I/O (memory, SQLite through the synchronous better-sqlite3, the split
// store of the two) also offer the per-request operations as an `immediate` face that answers in the
// same turn: the border chain runs ten store operations per request, and a promise and a microtask for
// each was a measurable share of the relay's CPU (docs/PERFORMANCE.md, "Border chain").
//
// A key holds one kind of value, decided by the operation that wrote it: a record (`set`), a counter
// (`increment`), a token bucket (`takeToken`) or a set (`addToSet`). `get` and `list` see records and
// counters (a counter reads as its number); buckets and sets are internal state they skip. `set` and
// `delete` work on any kind; `increment`, `takeToken` and `addToSet` on a key of another kind throw
// StateError `STATE_WRONG_KIND`.

/** Options every backend takes. */
export interface StateStoreOptions {
  /**
   * Wall-clock milliseconds since the Unix epoch (expiry is persisted, so a monotonic clock will not
   * do). Default `Date.now`; tests pass a hand-driven source.
   */
  readonly now?: () => number;
}

export interface ListEntry<T> {
  readonly key: string;
  readonly value: T;
  /** Wall-clock milliseconds when the entry expires; undefined when it never does. */
  readonly expiresAt: number | undefined;
}

export interface ListOptions {
  /** At most this many entries (default 100, at most 1000). */
  readonly limit?: number;
  /** Only keys after this one, for paging: pass the last key of the previous page. */
  readonly after?: string;
}

export interface TokenBucket {
  /** Tokens a full bucket holds: the burst allowed. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`: the sustained rate. Must be above 0. */
  readonly refillPerSecond: number;
  /** Tokens this call takes (default 1, at most `capacity`). */
  readonly cost?: number;
}

export interface TokenResult {
  readonly allowed: boolean;
  /** Whole tokens left after this call. */
  readonly remaining: number;
  /** 0 when allowed; otherwise how long until `cost` tokens are there (for Retry-After). */
  readonly retryAfterMs: number;
}

export interface SetOptions {
  /** The set expires this long after its first member was added (fixed window). */
  readonly ttlMs: number;
  /**
   * At most this many members are kept: a new member beyond it is not stored and the call returns
   * `maxMembers + 1`, so a sender spraying recipients cannot grow the set without bound (Y4).
   */
  readonly maxMembers?: number;
}

/** A value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The per-request operations of a store that answers in the same turn: the same contract as the
 * StateStore methods of the same names, but the value is returned (and a failure thrown) at once.
 */
export interface ImmediateStore {
  get<T>(key: string): T | undefined;
  set<T>(key: string, value: T, options?: { ttlMs?: number }): void;
  delete(key: string): boolean;
  increment(key: string, options: { by?: number; ttlMs: number }): number;
  takeToken(key: string, bucket: TokenBucket): TokenResult;
  addToSet(key: string, member: string, options: SetOptions): number;
}

/**
 * The per-request operations as a caller that takes either face sees them (`store.immediate ?? store`):
 * a value when the backend has it at once, a promise when it must ask (Redis).
 */
export interface StoreOperations {
  get<T>(key: string): Awaitable<T | undefined>;
  set<T>(key: string, value: T, options?: { ttlMs?: number }): Awaitable<void>;
  delete(key: string): Awaitable<boolean>;
  increment(key: string, options: { by?: number; ttlMs: number }): Awaitable<number>;
  takeToken(key: string, bucket: TokenBucket): Awaitable<TokenResult>;
  addToSet(key: string, member: string, options: SetOptions): Awaitable<number>;
}

export interface StateStore {
  /** The same operations answered in the same turn; absent on backends that wait for I/O (Redis). */
  readonly immediate?: ImmediateStore;
  /** A record (or a counter's value); undefined when absent or expired. */
  get<T>(key: string): Promise<T | undefined>;
  /** Store a small JSON-serialisable record, replacing whatever the key held; no TTL keeps it for good. */
  set<T>(key: string, value: T, options?: { ttlMs?: number }): Promise<void>;
  /** Remove the key, whatever it holds; true when something live was there. */
  delete(key: string): Promise<boolean>;
  /** Records and counters under a prefix, in key order (UTF-8 byte order), without expired ones. */
  list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>>;
  /** Atomically add `by` (default 1) to a counter that expires `ttlMs` after it was created; the new value. */
  increment(key: string, options: { by?: number; ttlMs: number }): Promise<number>;
  /** Token bucket: atomically take `cost` tokens if that many are there. An untouched bucket is full. */
  takeToken(key: string, bucket: TokenBucket): Promise<TokenResult>;
  /** Add a member to a set that expires `ttlMs` after creation; the set's size after adding. */
  addToSet(key: string, member: string, options: SetOptions): Promise<number>;
  /** Resolves when the backend answers (for /readyz and a latency metric); throws StateError otherwise. */
  ping(): Promise<void>;
  /** Release the backend; any later call throws StateError `STATE_CLOSED`. */
  close(): Promise<void>;
}
