// Y2 (003 §10.3): an address removed from the community is not reassigned for 90 days
// (policy.limits.tombstoneSeconds). The record lives here, below both its writers (the registrar, I2,
// the admin API, O3, and removeUser, X3) and its readers (the border rule rules/tombstone.ts answers
// peers 404; the registrar refuses to register the address).

import { parseAddress } from '../sip/address-of-record.js';
import type { StateStore } from './state-store.js';
import { storeKey } from './store-keys.js';

/** What a tombstone record holds (key `tombstone:<address-of-record>`). */
export interface TombstoneRecord {
  readonly address: string;
  /** Wall-clock milliseconds when the address was removed. */
  readonly removedAt: number;
}

/** The key of an address an operator wrote (a URI or user@host); throws CONFIG_INVALID if it is none. */
export function tombstoneKey(address: string): string {
  return storeKey('tombstone', parseAddress(address));
}

/** Mark an address removed for limits.tombstoneSeconds. `address`: a URI or user@host. */
export async function tombstone(
  store: StateStore,
  address: string,
  limits: { readonly tombstoneSeconds: number },
  now: () => number = Date.now,
): Promise<void> {
  const record: TombstoneRecord = { address: parseAddress(address), removedAt: now() };
  await store.set(storeKey('tombstone', record.address), record, { ttlMs: limits.tombstoneSeconds * 1000 });
}

/** Whether an address is tombstoned (the registrar refuses to register it, I2). */
export async function isTombstoned(store: StateStore, address: string): Promise<boolean> {
  return (await store.get<TombstoneRecord>(tombstoneKey(address))) !== undefined;
}
