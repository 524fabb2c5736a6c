// P4 (003 §5.1, §10.4): a 604 Does Not Exist Anywhere from a peer is remembered for the target address
// (for every watcher and sender of this community) for cache604Seconds, at most the 30 days the
// profile allows; until then SUBSCRIBE and MESSAGE to that address are answered 404 here and never
// cross the link. Kept in the shared store (`604:<address-of-record>`), so it survives restarts and
// the admin API can list and purge it (O3).

import { andThen } from '../../state/awaitable.js';
import { parseAddress } from '../../sip/address-of-record.js';
import { defineRequestRule, defineResponseRule, pass, reply } from '../rule.js';
import { storeKey } from '../../state/store-keys.js';

/** 003 §10.4: "this local cache may be stale for up to 30 days". */
export const MAX_CACHE_604_SECONDS = 30 * 86_400;

/** What a 604 cache record holds (key `604:<address-of-record>`). */
export interface Cached604Record {
  readonly address: string;
  /** The peer domain that answered 604. */
  readonly peer: string;
  readonly method: string;
  /** Wall-clock milliseconds when the 604 arrived. */
  readonly storedAt: number;
}

/** The key of an address an operator wrote (admin API); throws CONFIG_INVALID if it is none. */
export function cached604Key(address: string): string {
  return storeKey('cached604', parseAddress(address));
}

export const cached604 = defineRequestRule({
  id: 'P4',
  name: 'cache-604',
  phase: 'outbound-request',
  methods: ['SUBSCRIBE', 'MESSAGE'],
  check(request, context) {
    return andThen(
      context.store.get<Cached604Record>(storeKey('cached604', context.addresses.target(request))),
      (record) => (record === undefined ? pass() : reply(404, `Not Found (604 from ${record.peer} cached)`)),
    );
  },
});

export const learn604 = defineResponseRule({
  id: 'P4',
  name: 'cache-604',
  phase: 'response',
  methods: ['SUBSCRIBE', 'MESSAGE'],
  check(request, response, context) {
    if (context.direction !== 'outbound' || response.status !== 604) return pass();
    const address = context.addresses.target(request);
    const record: Cached604Record = { address, peer: context.peer, method: request.method, storedAt: context.now() };
    const seconds = Math.min(context.limits.cache604Seconds, MAX_CACHE_604_SECONDS);
    return andThen(context.store.set(storeKey('cached604', address), record, { ttlMs: seconds * 1000 }), pass);
  },
});
