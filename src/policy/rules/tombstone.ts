// Y2 (003 §10.3): an address removed from the community is not reassigned for 90 days
// (policy.limits.tombstoneSeconds), and until then requests from peers to it are answered 404, as if
// it had never existed. The record and `tombstone()` live in src/state/tombstones.ts, where the
// registrar (I2), the admin API (O3) and removeUser (X3) write them. Y3: confidential mode answers a
// tombstoned address like any other.

import { andThen } from '../../state/awaitable.js';
import { isOutOfDialog } from '../../sip/address-of-record.js';
import { storeKey } from '../../state/store-keys.js';
import type { TombstoneRecord } from '../../state/tombstones.js';
import { defineRequestRule, pass, reply } from '../rule.js';
import { concealedAnswer } from './concealed-answer.js';

export const tombstonedAddress = defineRequestRule({
  id: 'Y2',
  name: 'tombstone',
  phase: 'inbound-request',
  check(request, context) {
    // In-dialog requests target a Contact, not the address; the dialog's own end deals with them.
    if (!isOutOfDialog(request)) return pass();
    return andThen(
      context.store.get<TombstoneRecord>(storeKey('tombstone', context.addresses.target(request))),
      (record) => {
        if (record === undefined) return pass();
        return context.limits.confidential ? concealedAnswer(request, context.limits) : reply(404);
      },
    );
  },
});
