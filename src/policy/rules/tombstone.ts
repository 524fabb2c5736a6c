// Y2 (003 §10.3): an address removed from the community is not reassigned for 90 days
// (policy.limits.tombstoneSeconds), and until then requests from peers to it are answered 404, as if
// it had never existed. `tombstone()` is what the admin API and the registrar call when a user is
// removed (the registrar, I2, and the admin API, O3); `removeUser()` (subscriptions/subscription-supervisor.ts) tombstones and
// also tells the external watchers (X3). Y3: confidential mode answers a tombstoned address like any other.

import { andThen } from '../../state/awaitable.js';
import type { StateStore } from '../../state/state-store.js';
import { isOutOfDialog, parseAddress, targetAddress } from '../address-of-record.js';
import type { PolicyLimits } from '../policy-limits.js';
import { defineRequestRule, pass, reply } from '../rule.js';
import { storeKey } from '../store-keys.js';
import { concealedAnswer } from './concealed-answer.js';

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
  limits: Pick<PolicyLimits, 'tombstoneSeconds'>,
  now: () => number = Date.now,
): Promise<void> {
  const record: TombstoneRecord = { address: parseAddress(address), removedAt: now() };
  await store.set(storeKey('tombstone', record.address), record, { ttlMs: limits.tombstoneSeconds * 1000 });
}

/** Whether an address is tombstoned (the registrar refuses to register it, I2). */
export async function isTombstoned(store: StateStore, address: string): Promise<boolean> {
  return (await store.get<TombstoneRecord>(tombstoneKey(address))) !== undefined;
}

export const tombstonedAddress = defineRequestRule({
  id: 'Y2',
  name: 'tombstone',
  phase: 'inbound-request',
  check(request, context) {
    // In-dialog requests target a Contact, not the address; the dialog's own end deals with them.
    if (!isOutOfDialog(request)) return pass();
    return andThen(context.store.get<TombstoneRecord>(storeKey('tombstone', targetAddress(request))), (record) => {
      if (record === undefined) return pass();
      return context.limits.confidential ? concealedAnswer(request, context.limits) : reply(404);
    });
  },
});
