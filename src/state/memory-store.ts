// The in-process backend: for unit tests of the policy rules, and for an edge that may forget its
// state on restart. Records are kept as JSON text so that what a caller reads back is a copy and
// non-serialisable values fail here exactly as they would in SQLite or Redis. Expired entries are
// skipped on read, dropped when touched and swept periodically.

import {
  checkIncrement,
  checkKey,
  checkPrefix,
  checkSetOptions,
  checkTtlMs,
  compareKeys,
  decodeRecord,
  encodeRecord,
  listLimit,
} from './state-arguments.js';
import { StateError, wrongKind } from './state-error.js';
import { checkBucket, takeFromBucket, type BucketState } from './token-bucket.js';
import { startExpirySweeper, type ExpirySweeper, type SweepOptions } from './expiry-sweeper.js';
import type { ListEntry, ListOptions, SetOptions, StateStoreOptions, TokenBucket, TokenResult } from './state-store.js';
import { SynchronousStore } from './synchronous-store.js';

type MemoryEntry =
  | { readonly kind: 'record'; readonly text: string; readonly expiresAt: number | undefined }
  | { readonly kind: 'counter'; value: number; readonly expiresAt: number }
  | { readonly kind: 'bucket'; state: BucketState; expiresAt: number }
  | { readonly kind: 'set'; readonly members: Set<string>; readonly expiresAt: number };

export type MemoryStoreOptions = StateStoreOptions & SweepOptions;

export class MemoryStore extends SynchronousStore {
  readonly #entries = new Map<string, MemoryEntry>();
  readonly #now: () => number;
  readonly #sweeper: ExpirySweeper;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.#now = options.now ?? Date.now;
    this.#sweeper = startExpirySweeper(options, () => this.purgeExpired());
  }

  protected getNow<T>(key: string): T | undefined {
    this.#open();
    checkKey(key);
    const entry = this.#live(key);
    if (entry?.kind === 'record') return decodeRecord<T>(entry.text);
    if (entry?.kind === 'counter') return entry.value as T;
    return undefined;
  }

  protected setNow<T>(key: string, value: T, options?: { ttlMs?: number }): void {
    this.#open();
    checkKey(key);
    const ttlMs = options?.ttlMs;
    if (ttlMs !== undefined) checkTtlMs(ttlMs);
    const text = encodeRecord(value);
    this.#entries.set(key, { kind: 'record', text, expiresAt: ttlMs === undefined ? undefined : this.#now() + ttlMs });
  }

  protected deleteNow(key: string): boolean {
    this.#open();
    checkKey(key);
    const existed = this.#live(key) !== undefined;
    this.#entries.delete(key);
    return existed;
  }

  async list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>> {
    this.#open();
    checkPrefix(prefix);
    const limit = listLimit(options);
    const after = options?.after;
    const now = this.#now();
    const keys = [...this.#entries.keys()]
      .filter((key) => key.startsWith(prefix) && (after === undefined || compareKeys(key, after) > 0))
      .sort(compareKeys);
    const page: Array<ListEntry<T>> = [];
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry === undefined || isExpired(entry, now)) continue;
      if (entry.kind === 'record') page.push({ key, value: decodeRecord<T>(entry.text), expiresAt: entry.expiresAt });
      else if (entry.kind === 'counter') page.push({ key, value: entry.value as T, expiresAt: entry.expiresAt });
      if (page.length === limit) break;
    }
    return page;
  }

  protected incrementNow(key: string, options: { by?: number; ttlMs: number }): number {
    this.#open();
    checkKey(key);
    checkTtlMs(options.ttlMs);
    const by = options.by ?? 1;
    checkIncrement(by);
    const entry = this.#live(key);
    if (entry === undefined) {
      this.#entries.set(key, { kind: 'counter', value: by, expiresAt: this.#now() + options.ttlMs });
      return by;
    }
    if (entry.kind !== 'counter') throw wrongKind(key, entry.kind, 'increment');
    entry.value += by;
    return entry.value;
  }

  protected takeTokenNow(key: string, bucket: TokenBucket): TokenResult {
    this.#open();
    checkKey(key);
    checkBucket(bucket);
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry !== undefined && entry.kind !== 'bucket') throw wrongKind(key, entry.kind, 'takeToken');
    const step = takeFromBucket(entry?.state, bucket, now);
    if (entry === undefined) {
      this.#entries.set(key, { kind: 'bucket', state: step.state, expiresAt: step.expiresAt });
    } else {
      // A live bucket is updated where it is: one look-up per take, not two.
      entry.state = step.state;
      entry.expiresAt = step.expiresAt;
    }
    return step.result;
  }

  protected addToSetNow(key: string, member: string, options: SetOptions): number {
    this.#open();
    checkKey(key);
    checkSetOptions(member, options);
    let entry = this.#live(key);
    if (entry === undefined) {
      entry = { kind: 'set', members: new Set(), expiresAt: this.#now() + options.ttlMs };
      this.#entries.set(key, entry);
    }
    if (entry.kind !== 'set') throw wrongKind(key, entry.kind, 'addToSet');
    const { members } = entry;
    if (members.has(member)) return members.size;
    if (options.maxMembers !== undefined && members.size >= options.maxMembers) return options.maxMembers + 1;
    members.add(member);
    return members.size;
  }

  async ping(): Promise<void> {
    this.#open();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#sweeper.stop();
    this.#entries.clear();
  }

  /** Drop every expired entry now; the number dropped. The periodic sweep calls this. */
  purgeExpired(): number {
    const now = this.#now();
    let purged = 0;
    for (const [key, entry] of this.#entries) {
      if (!isExpired(entry, now)) continue;
      this.#entries.delete(key);
      purged += 1;
    }
    return purged;
  }

  /** Entries held, expired or not (for tests of the sweep). */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string, now?: number): MemoryEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || !isExpired(entry, now ?? this.#now())) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #open(): void {
    if (this.#closed) throw new StateError('STATE_CLOSED', 'the memory store is closed');
  }
}

function isExpired(entry: MemoryEntry, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}
