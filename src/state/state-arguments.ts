// The argument checks and the record encoding every backend shares, so that the three behave alike:
// the same keys are legal, the same values round-trip, and listing pages in the same order.

import { StateError } from './state-error.js';
import type { ListOptions, SetOptions } from './state-store.js';

/** Keys are short names (`604:sip:alice@example.com`); a longer one is a caller bug. */
export const MAX_KEY_LENGTH = 1024;
/** "Small records": a 604 entry or a tombstone is well under 1 KiB; this bounds a runaway caller. */
export const MAX_VALUE_BYTES = 64 * 1024;
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

function invalid(detail: string): StateError {
  return new StateError('STATE_ARGUMENT_INVALID', detail);
}

export function checkKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0) throw invalid(`${what} must be a non-empty string`);
  if (key.length > MAX_KEY_LENGTH) throw invalid(`${what} is longer than ${MAX_KEY_LENGTH} characters`);
  // A lone surrogate would not survive the UTF-8 round trip through SQLite or Redis.
  if (!key.isWellFormed()) throw invalid(`${what} contains a lone UTF-16 surrogate`);
}

export function checkPrefix(prefix: string): void {
  if (prefix === '') return;
  checkKey(prefix, 'prefix');
}

/** A time to live: a positive whole number of milliseconds (Redis PX takes integers). */
export function checkTtlMs(ttlMs: number, what = 'ttlMs'): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0)
    throw invalid(`${what} must be a positive integer, got ${String(ttlMs)}`);
}

export function checkIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) throw invalid(`by must be a safe integer, got ${String(by)}`);
}

export function checkSetOptions(member: string, options: SetOptions): void {
  checkKey(member, 'member');
  checkTtlMs(options.ttlMs);
  const max = options.maxMembers;
  if (max !== undefined && (!Number.isSafeInteger(max) || max <= 0)) {
    throw invalid(`maxMembers must be a positive integer, got ${String(max)}`);
  }
}

/** The page size `list` honours. */
export function listLimit(options: ListOptions | undefined): number {
  const limit = options?.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit <= 0 || limit > MAX_LIST_LIMIT) {
    throw invalid(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`);
  }
  return limit;
}

/** JSON text of a record; refuses what JSON cannot carry and what is not small. */
export function encodeRecord(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new StateError('STATE_VALUE_INVALID', `value is not JSON-serialisable: ${String(error)}`, { cause: error });
  }
  if (text === undefined)
    throw new StateError('STATE_VALUE_INVALID', `value of type ${typeof value} is not JSON-serialisable`);
  if (Buffer.byteLength(text) > MAX_VALUE_BYTES) {
    throw new StateError('STATE_VALUE_INVALID', `value is larger than ${MAX_VALUE_BYTES} bytes as JSON`);
  }
  return text;
}

export function decodeRecord<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Key order for `list`: UTF-8 byte order, which is SQLite's BINARY collation and code point order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The least string greater than every string that starts with `prefix`, so that a prefix becomes an
 * index range (`key >= prefix AND key < bound`): the prefix with its last code point raised by one,
 * carrying past U+10FFFF like a digit past 9. Undefined when nothing bounds it (empty prefix, or
 * only U+10FFFF), in which case every key at or after the prefix starts with it.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  for (let last = codePoints.pop(); last !== undefined; last = codePoints.pop()) {
    let next = last.codePointAt(0)! + 1;
    if (next > 0x10ffff) continue;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // surrogates are not characters
    return codePoints.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
