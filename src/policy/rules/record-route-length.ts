// S2 (003 §7): an inbound request whose accumulated Record-Route is longer than policy allows is
// refused, so a peer cannot make every in-dialog request through the community grow without bound.

import { defineRequestRule, pass, reply } from '../rule.js';

export const recordRouteLength = defineRequestRule({
  id: 'S2',
  name: 'record-route-length',
  phase: 'inbound-request',
  check(request, context) {
    let bytes = 0;
    for (const value of request.headers.getAll('record-route')) bytes += value.length;
    return bytes > context.limits.maxRecordRouteBytes ? reply(513, 'Record-Route Too Long') : pass();
  },
});
