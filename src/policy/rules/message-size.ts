// M4 / Y4 (003 §6, §10): a request larger than the agreed size is refused at the border with 513.

import { defineRequestRule, pass, reply } from '../rule.js';

export const messageSize = defineRequestRule({
  id: 'M4',
  name: 'message-size',
  phase: 'inbound-request',
  check(request, context) {
    return request.raw.length > context.limits.maxMessageBytes ? reply(513, 'Message Too Large') : pass();
  },
});
