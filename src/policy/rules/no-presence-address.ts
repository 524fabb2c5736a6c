// P3 (003 §5.1, §6.2, §10.4): an address of this community that exists but has no presence and no
// IM (a distribution list, config policy.noPresenceAddresses) answers 604 Does Not Exist Anywhere to
// every watcher and sender, so peers cache it (P4) and stop asking. Y3: in confidential mode a 604
// would prove the address exists, so it gets the same answer as any other address instead.

import { defineRequestRule, pass, reply } from '../rule.js';
import { concealedAnswer } from './concealed-answer.js';

export const noPresenceAddress = defineRequestRule({
  id: 'P3',
  name: 'no-presence-address',
  phase: 'inbound-request',
  methods: ['SUBSCRIBE', 'MESSAGE'],
  check(request, context) {
    if (!context.community.noPresenceAddresses.has(context.addresses.target(request))) return pass();
    return context.limits.confidential ? concealedAnswer(request, context.limits) : reply(604);
  },
});
