// Continuing with a value that may already be here: an immediate store's answer goes on in the same
// turn, a Redis answer when its promise settles. One helper, so callers read as straight-line code.

import type { Awaitable } from './state-store.js';

/** `next(value)` now when `value` is a value, after it settles when it is a promise. */
export function andThen<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
