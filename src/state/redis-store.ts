// The shared backend (O7): several edge instances on one Redis see the same 604 cache, tombstones and
// rate limits, and losing an instance loses nothing. Atomic operations are Lua scripts (redis-scripts.ts);
// plain records are SET/GET. Every key is namespaced (`se:` by default) so the edge can share a Redis.
//
// Failure stance: no offline queue and a command timeout, so when Redis is unreachable a call fails
// at once with StateError `STATE_UNAVAILABLE` instead of holding a SIP transaction until Redis is back;
// the client keeps reconnecting in the background.

import { redactUrl } from '../config/redact-url.js';
import { Redis } from 'ioredis';
import {
  checkIncrement,
  checkKey,
  checkPrefix,
  checkSetOptions,
  checkTtlMs,
  compareKeys,
  encodeRecord,
  listLimit,
} from './state-arguments.js';
import { StateError, isStateError, wrongKind } from './state-error.js';
import { checkBucket } from './token-bucket.js';
import { ADD_TO_SET_SCRIPT, DELETE_SCRIPT, INCREMENT_SCRIPT, TAKE_TOKEN_SCRIPT } from './redis-scripts.js';
import type {
  ListEntry,
  ListOptions,
  SetOptions,
  StateStore,
  StateStoreOptions,
  TokenBucket,
  TokenResult,
} from './state-store.js';

export interface RedisStoreOptions extends StateStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS. */
  readonly url: string;
  /** Prepended to every key, so several deployments (or other programs) can share one Redis. Default `se:`. */
  readonly keyPrefix?: string;
  /** A command not answered within this fails with STATE_UNAVAILABLE. Default 2000 ms. */
  readonly commandTimeoutMs?: number;
  /** Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Connection errors the client reports while it reconnects (for the logger); ignored by default. */
  readonly onError?: (error: Error) => void;
}

/** The scripts, as methods ioredis adds with defineCommand (EVALSHA, falling back to EVAL once). */
interface ScriptCommands {
  stateIncrement(key: string, now: number, by: number, ttlMs: number): Promise<number>;
  stateTakeToken(
    key: string,
    now: number,
    capacity: number,
    refill: number,
    cost: number,
  ): Promise<[number, number, number]>;
  stateAddToSet(key: string, member: string, now: number, ttlMs: number, maxMembers: number): Promise<number>;
  stateDelete(key: string, now: number): Promise<number>;
}

/** What a record or counter string holds (see redis-scripts.ts). */
interface Envelope {
  readonly k: string;
  readonly x: number | null;
  readonly v: unknown;
}

const KIND_NAMES: Readonly<Record<string, string>> = { r: 'record', c: 'counter', b: 'token bucket', s: 'set' };
const SCAN_COUNT = 1000;

export class RedisStore implements StateStore {
  readonly #client: Redis & ScriptCommands;
  readonly #namespace: string;
  readonly #now: () => number;
  #closed = false;

  private constructor(client: Redis & ScriptCommands, options: RedisStoreOptions) {
    this.#client = client;
    this.#namespace = options.keyPrefix ?? 'se:';
    this.#now = options.now ?? Date.now;
  }

  /** Connects (throwing STATE_UNAVAILABLE when Redis cannot be reached) and loads the scripts. */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const client = createClient(options);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw unavailable(`cannot connect to Redis at ${redactUrl(options.url)}`, error);
    }
    return new RedisStore(client, options);
  }

  async get<T>(key: string): Promise<T | undefined> {
    checkKey(key);
    const text = await this.#call(() => this.#client.get(this.#namespace + key).catch(ignoreWrongType));
    const envelope = text == null ? undefined : parseEnvelope(text);
    return envelope !== undefined && this.#isLive(envelope) ? (envelope.v as T) : undefined;
  }

  async set<T>(key: string, value: T, options?: { ttlMs?: number }): Promise<void> {
    checkKey(key);
    const ttlMs = options?.ttlMs;
    if (ttlMs !== undefined) checkTtlMs(ttlMs);
    const text = encodeRecord(value);
    const expiresAt = ttlMs === undefined ? null : this.#now() + ttlMs;
    const envelope = `{"k":"r","x":${expiresAt ?? 'null'},"v":${text}}`;
    const name = this.#namespace + key;
    await this.#call(() =>
      ttlMs === undefined ? this.#client.set(name, envelope) : this.#client.set(name, envelope, 'PX', ttlMs),
    );
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    return (await this.#call(() => this.#client.stateDelete(this.#namespace + key, this.#now()))) === 1;
  }

  // Redis keeps no key order, so each page scans every key under the prefix and sorts them: fine for
  // the admin interface it serves, not for a hot path.
  async list<T>(prefix: string, options?: ListOptions): Promise<Array<ListEntry<T>>> {
    checkPrefix(prefix);
    const limit = listLimit(options);
    const after = options?.after;
    const keys = (await this.#scanRecordKeys(prefix))
      .filter((key) => after === undefined || compareKeys(key, after) > 0)
      .sort(compareKeys);
    const page: Array<ListEntry<T>> = [];
    // Some of the keys may expire between SCAN and MGET: fetch in chunks until the page is full.
    for (let start = 0; start < keys.length && page.length < limit; start += limit) {
      const chunk = keys.slice(start, start + limit);
      const texts = await this.#call(() => this.#client.mget(chunk.map((key) => this.#namespace + key)));
      chunk.forEach((key, index) => {
        const text = texts[index];
        const envelope = text == null ? undefined : parseEnvelope(text);
        if (page.length >= limit || envelope === undefined || !this.#isLive(envelope)) return;
        page.push({ key, value: envelope.v as T, expiresAt: envelope.x ?? undefined });
      });
    }
    return page;
  }

  async increment(key: string, options: { by?: number; ttlMs: number }): Promise<number> {
    checkKey(key);
    checkTtlMs(options.ttlMs);
    const by = options.by ?? 1;
    checkIncrement(by);
    return this.#script(key, 'increment', (name) => this.#client.stateIncrement(name, this.#now(), by, options.ttlMs));
  }

  async takeToken(key: string, bucket: TokenBucket): Promise<TokenResult> {
    checkKey(key);
    const cost = checkBucket(bucket);
    const [allowed, remaining, retryAfterMs] = await this.#script(key, 'takeToken', (name) =>
      this.#client.stateTakeToken(name, this.#now(), bucket.capacity, bucket.refillPerSecond, cost),
    );
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async addToSet(key: string, member: string, options: SetOptions): Promise<number> {
    checkKey(key);
    checkSetOptions(member, options);
    return this.#script(key, 'addToSet', (name) =>
      this.#client.stateAddToSet(name, member, this.#now(), options.ttlMs, options.maxMembers ?? 0),
    );
  }

  async ping(): Promise<void> {
    await this.#call(() => this.#client.ping());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect(); // already gone: nothing left to flush
    }
  }

  /** Keys (without the namespace) of records and counters under `prefix`; SCAN never blocks Redis. */
  async #scanRecordKeys(prefix: string): Promise<string[]> {
    const pattern = `${escapeGlob(this.#namespace + prefix)}*`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#call(() =>
        this.#client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT, 'TYPE', 'string'),
      );
      cursor = next;
      for (const name of batch) keys.push(name.slice(this.#namespace.length));
    } while (cursor !== '0');
    return [...new Set(keys)]; // SCAN may return a key twice while the keyspace is rehashed
  }

  /** Run a script on the namespaced key, turning its STATE_WRONG_KIND reply into the StateError. */
  #script<R>(key: string, operation: string, run: (name: string) => Promise<R>): Promise<R> {
    return this.#call(() =>
      run(this.#namespace + key).catch((error: unknown) => {
        const match = error instanceof Error ? /^STATE_WRONG_KIND (\w+)/.exec(error.message) : null;
        if (match === null) throw error;
        throw wrongKind(key, KIND_NAMES[match[1]!] ?? 'value another program wrote', operation);
      }),
    );
  }

  async #call<R>(command: () => Promise<R>): Promise<R> {
    if (this.#closed) throw new StateError('STATE_CLOSED', 'the Redis store is closed');
    try {
      return await command();
    } catch (error) {
      throw unavailable('Redis', error);
    }
  }

  #isLive(envelope: Envelope): boolean {
    return envelope.x === null || envelope.x > this.#now();
  }
}

function createClient(options: RedisStoreOptions): Redis & ScriptCommands {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    connectTimeout: options.connectTimeoutMs ?? 5000,
  });
  // Without a listener ioredis prints every reconnect failure to the console.
  client.on('error', options.onError ?? (() => undefined));
  client.defineCommand('stateIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
  client.defineCommand('stateTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN_SCRIPT });
  client.defineCommand('stateAddToSet', { numberOfKeys: 1, lua: ADD_TO_SET_SCRIPT });
  client.defineCommand('stateDelete', { numberOfKeys: 1, lua: DELETE_SCRIPT });
  return client as Redis & ScriptCommands;
}

/** A bucket or set (a hash) read with GET: not a record, so absent as far as `get` is concerned. */
function ignoreWrongType(error: unknown): null {
  if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return null;
  throw error;
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<Envelope> | null;
    if (parsed === null || typeof parsed !== 'object' || (parsed.k !== 'r' && parsed.k !== 'c')) return undefined;
    return { k: parsed.k, x: typeof parsed.x === 'number' ? parsed.x : null, v: parsed.v };
  } catch {
    return undefined; // a string another program wrote under our namespace
  }
}

/** SCAN MATCH treats `* ? [ ] \` as glob syntax; a prefix must match them literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function unavailable(what: string, error: unknown): StateError {
  if (isStateError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StateError('STATE_UNAVAILABLE', `${what}: ${detail}`, { cause: error });
}
