// Y3, P1, M1 (003 §10.4, §5.1, §6.2): in confidential mode (policy.limits.confidential) no answer to
// a peer tells whether an address exists. The community's registrar and presence server answer as
// usual; on the way out this rule replaces every answer that would tell (REVEALING_STATUSES) with
// the one a live address gives (concealed-answer.ts): MESSAGE 200 (the message is dropped), SUBSCRIBE
// 200 with Expires, others 480. Outcome counting (peer-outcomes.ts) runs before it and counts the
// real answer; P2 runs after it, so a concealed answer is never replayed as the 404 it hid.

import { isOutOfDialog } from '../../sip/address-of-record.js';
import { defineResponseRule, pass } from '../rule.js';
import { concealedAnswer } from './concealed-answer.js';

/**
 * 404 (no such user), 403 (barred), 410 (gone), 604 (no presence/IM) and 480: a live user who is
 * offline gets 480, so leaving it would tell live addresses from the rest.
 */
export const REVEALING_STATUSES: ReadonlySet<number> = new Set([403, 404, 410, 480, 604]);

export const confidentialAnswers = defineResponseRule({
  id: 'Y3',
  name: 'confidential-answers',
  phase: 'response',
  check(request, response, context) {
    if (!context.limits.confidential || context.direction !== 'inbound') return pass();
    if (!REVEALING_STATUSES.has(response.status) || !isOutOfDialog(request)) return pass();
    const answer = concealedAnswer(request, context.limits);
    // 480 answered with 480 is already concealed; only a change is a decision.
    return answer.kind === 'reply' && answer.status === response.status ? pass() : answer;
  },
});
