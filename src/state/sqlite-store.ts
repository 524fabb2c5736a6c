// The embedded backend and the default: one SQLite file (state.path) through better-sqlite3.
//
// Durability: WAL with `synchronous = NORMAL`. Each commit is written into the WAL file before the
// call returns, so it sits in the kernel's page cache even if the process is killed (SIGKILL, OOM)
// the next instant, and the next open replays it (P4 "survives restarts"; the SIGKILL test proves it).
// What NORMAL gives up is an fsync per commit: a power cut or kernel crash can lose the last commits
// before a checkpoint, never corrupt the file. FULL would add that fsync (milliseconds per rate-limit
// decision on ordinary disks) to cover only power loss, so it is an option, not the default.
//
// Read-modify-write operations run in IMMEDIATE transactions, so they are atomic even when several
// processes of one host share the file (`workers: N`).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
  prefixUpperBound,
} from './state-arguments.js';
import { StateError, isStateError, wrongKind } from './state-error.js';
import { checkBucket, takeFromBucket, type BucketState } from './token-bucket.js';
import { startExpirySweeper, type ExpirySweeper, type SweepOptions } from './expiry-sweeper.js';
import {
  createSchema,
  prepareStatements,
  PURGE_BATCH,
  type EntryKind,
  type EntryRow,
  type ListVariant,
  type SqliteStatements,
} from './sqlite-schema.js';
import type { ListEntry, ListOptions, SetOptions, StateStoreOptions, TokenBucket, TokenResult } from './state-store.js';
import { SynchronousStore } from './synchronous-store.js';

export interface SqliteStoreOptions extends StateStoreOptions, SweepOptions {
  /** The database file; its directory is created. `:memory:` for a private in-memory database. */
  readonly path: string;
  /** `normal` (default) survives a killed process; `full` also survives power loss, at an fsync per write. */
  readonly synchronous?: 'normal' | 'full';
  /** How long a write waits for another process holding the file's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

export class SqliteStore extends SynchronousStore {
  readonly #db: Database.Database;
  readonly #statements: SqliteStatements;
  readonly #now: () => number;
  readonly #sweeper: ExpirySweeper;
  /** Runs a unit of work in a transaction; one wrapper for all, rather than one per call. */
  readonly #inTransaction: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(options: SqliteStoreOptions) {
    super();
    this.#now = options.now ?? Date.now;
    this.#db = openDatabase(options);
    this.#statements = prepareStatements(this.#db);
    this.#inTransaction = this.#db.transaction((work: () => unknown) => work());
    this.purgeExpired(); // what expired while the edge was down goes at once
    this.#sweeper = startExpirySweeper(options, () => this.purgeExpired());
  }

  protected getNow<T>(key: string): T | undefined {
    checkKey(key);
    const row = this.#guard(() => this.#live(key));
    return row !== undefined && isReadable(row.kind) ? decodeRecord<T>(row.value) : undefined;
  }

  protected setNow<T>(key: string, value: T, options?: { ttlMs?: number }): void {
    checkKey(key);
    const ttlMs = options?.ttlMs;
    if (ttlMs !== undefined) checkTtlMs(ttlMs);
    const text = encodeRecord(value);
    this.#transaction(() => {
      const expiresAt = ttlMs === undefined ? null : this.#now() + ttlMs;
      this.#replace(key, this.#statements.selectEntry.get(key), 'record', text, expiresAt);
    });
  }

  protected deleteNow(key: string): boolean {
    checkKey(key);
    return this.#transaction(() => {
      const row = this.#statements.deleteEntry.get(key);
      if (row?.kind === 'set') this.#statements.deleteMembers.run(key);
      return row !== undefined && isLive(row, this.#now());
    });
  }

  async list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>> {
    checkPrefix(prefix);
    const limit = listLimit(options);
    const after = options?.after;
    const upper = prefixUpperBound(prefix);
    // Paging starts after `after` when that is at or past the prefix, else at the prefix itself.
    const pastPrefix = after !== undefined && compareKeys(after, prefix) >= 0;
    const lower = pastPrefix ? after : prefix;
    const variant: ListVariant = `${pastPrefix ? 'after' : 'from'}${upper === undefined ? '' : '-to'}`;
    const parameters = { lower, now: this.#now(), limit, ...(upper === undefined ? {} : { upper }) };
    const rows = this.#guard(() => this.#statements.list[variant].all(parameters));
    return rows.map((row) => ({
      key: row.key,
      value: decodeRecord<T>(row.value),
      expiresAt: row.expires_at ?? undefined,
    }));
  }

  protected incrementNow(key: string, options: { by?: number; ttlMs: number }): number {
    checkKey(key);
    checkTtlMs(options.ttlMs);
    const by = options.by ?? 1;
    checkIncrement(by);
    return this.#transaction(() => {
      const row = this.#statements.selectEntry.get(key);
      const now = this.#now();
      if (row === undefined || !isLive(row, now)) {
        this.#replace(key, row, 'counter', String(by), now + options.ttlMs);
        return by;
      }
      if (row.kind !== 'counter') throw wrongKind(key, row.kind, 'increment');
      const value = decodeRecord<number>(row.value) + by;
      this.#statements.updateValue.run(String(value), key);
      return value;
    });
  }

  protected takeTokenNow(key: string, bucket: TokenBucket): TokenResult {
    checkKey(key);
    checkBucket(bucket);
    return this.#transaction(() => {
      const row = this.#statements.selectEntry.get(key);
      const now = this.#now();
      const live = row !== undefined && isLive(row, now) ? row : undefined;
      if (live !== undefined && live.kind !== 'bucket') throw wrongKind(key, live.kind, 'takeToken');
      const previous = live === undefined ? undefined : decodeRecord<BucketState>(live.value);
      const step = takeFromBucket(previous, bucket, now);
      this.#replace(key, row, 'bucket', JSON.stringify(step.state), step.expiresAt);
      return step.result;
    });
  }

  protected addToSetNow(key: string, member: string, options: SetOptions): number {
    checkKey(key);
    checkSetOptions(member, options);
    return this.#transaction(() => {
      const row = this.#statements.selectEntry.get(key);
      const now = this.#now();
      let size = 0;
      if (row === undefined || !isLive(row, now)) this.#replace(key, row, 'set', '0', now + options.ttlMs);
      else if (row.kind !== 'set') throw wrongKind(key, row.kind, 'addToSet');
      else size = decodeRecord<number>(row.value);
      if (this.#statements.selectMember.get(key, member) !== undefined) return size;
      if (options.maxMembers !== undefined && size >= options.maxMembers) return options.maxMembers + 1;
      this.#statements.insertMember.run(key, member);
      this.#statements.updateValue.run(String(size + 1), key);
      return size + 1;
    });
  }

  async ping(): Promise<void> {
    this.#guard(() => this.#db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    this.#sweeper.stop();
    if (this.#db.open) this.#db.close();
  }

  /** Delete every expired entry (and its set members) in short transactions; the number deleted. */
  purgeExpired(): number {
    let purged = 0;
    for (;;) {
      const batch = this.#transaction(() => {
        const now = this.#now();
        const expired = this.#statements.selectExpired.all(now, PURGE_BATCH);
        for (const { key, kind } of expired) {
          if (kind === 'set') this.#statements.deleteMembers.run(key);
          this.#statements.deleteExpired.run(key, now);
        }
        return expired.length;
      });
      purged += batch;
      if (batch < PURGE_BATCH) return purged;
    }
  }

  #live(key: string): EntryRow | undefined {
    const row = this.#statements.selectEntry.get(key);
    return row !== undefined && isLive(row, this.#now()) ? row : undefined;
  }

  /** Write a fresh entry over whatever `previous` was; members of a replaced set go with it. */
  #replace(
    key: string,
    previous: EntryRow | undefined,
    kind: EntryKind,
    value: string,
    expiresAt: number | null,
  ): void {
    if (previous?.kind === 'set') this.#statements.deleteMembers.run(key);
    this.#statements.upsertEntry.run(key, kind, value, expiresAt);
  }

  #transaction<R>(work: () => R): R {
    return this.#guard(() => this.#inTransaction.immediate(work) as R);
  }

  /** SQLite failures (closed, busy, disk full, I/O) become StateError; the store's own errors pass. */
  #guard<R>(work: () => R): R {
    if (!this.#db.open) throw new StateError('STATE_CLOSED', 'the SQLite store is closed');
    try {
      return work();
    } catch (error) {
      if (isStateError(error)) throw error;
      throw new StateError('STATE_UNAVAILABLE', `SQLite: ${error instanceof Error ? error.message : String(error)}`, {
        cause: error,
      });
    }
  }
}

function openDatabase(options: SqliteStoreOptions): Database.Database {
  try {
    if (options.path !== ':memory:') mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    const db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    createSchema(db);
    return db;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new StateError('STATE_UNAVAILABLE', `cannot open the state file ${options.path}: ${detail}`, {
      cause: error,
    });
  }
}

function isLive(row: EntryRow, now: number): boolean {
  return row.expires_at === null || row.expires_at > now;
}

function isReadable(kind: EntryKind): boolean {
  return kind === 'record' || kind === 'counter';
}
