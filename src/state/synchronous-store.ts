// The base of the backends that never wait for I/O (memory, SQLite, the split store of the two): each
// implements the per-request operations once, synchronously, and gets both faces of the contract —
// the async StateStore methods (a failure becomes a rejected promise, as callers of the contract
// expect) and the `immediate` face the border chain uses to decide in the same turn.

import type {
  ImmediateStore,
  ListEntry,
  ListOptions,
  SetOptions,
  StateStore,
  TokenBucket,
  TokenResult,
} from './state-store.js';

export abstract class SynchronousStore implements StateStore {
  readonly immediate: ImmediateStore = {
    get: <T>(key: string) => this.getNow<T>(key),
    set: <T>(key: string, value: T, options?: { ttlMs?: number }) => this.setNow(key, value, options),
    delete: (key) => this.deleteNow(key),
    increment: (key, options) => this.incrementNow(key, options),
    takeToken: (key, bucket) => this.takeTokenNow(key, bucket),
    addToSet: (key, member, options) => this.addToSetNow(key, member, options),
  };

  protected abstract getNow<T>(key: string): T | undefined;
  protected abstract setNow<T>(key: string, value: T, options?: { ttlMs?: number }): void;
  protected abstract deleteNow(key: string): boolean;
  protected abstract incrementNow(key: string, options: { by?: number; ttlMs: number }): number;
  protected abstract takeTokenNow(key: string, bucket: TokenBucket): TokenResult;
  protected abstract addToSetNow(key: string, member: string, options: SetOptions): number;

  abstract list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>>;
  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  async get<T>(key: string): Promise<T | undefined> {
    return this.getNow<T>(key);
  }

  async set<T>(key: string, value: T, options?: { ttlMs?: number }): Promise<void> {
    this.setNow(key, value, options);
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteNow(key);
  }

  async increment(key: string, options: { by?: number; ttlMs: number }): Promise<number> {
    return this.incrementNow(key, options);
  }

  async takeToken(key: string, bucket: TokenBucket): Promise<TokenResult> {
    return this.takeTokenNow(key, bucket);
  }

  async addToSet(key: string, member: string, options: SetOptions): Promise<number> {
    return this.addToSetNow(key, member, options);
  }
}
