import { describe, expect, it } from 'vitest';
import { PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import type { PolicyContext } from '../policy-context.js';
import type { RequestRule, ResponseRule } from '../rule.js';
import { cached604, learn604 } from './cache-604.js';
import { peerRecipientCap, senderRecipientCap } from './distinct-recipients.js';
import { peerOutcomes } from './peer-outcomes.js';
import { peerRateLimit, recipientRateLimit, senderRateLimit } from './rate-limits.js';
import { inboundRetryAnswer, rememberRetryAnswer } from './retry-memory.js';
import { tombstone } from '../../state/tombstones.js';
import { tombstonedAddress } from './tombstone.js';

// The store-backed rules on a store that answers in the same turn (memory, SQLite, the default split
// store) decide without a promise: the border chain then runs a MESSAGE through without a microtask
// per store operation (docs/PERFORMANCE.md, "Border chain").

function immediateContext(fixture: PolicyFixture, direction: PolicyContext['direction'] = 'inbound'): PolicyContext {
  const immediate = fixture.store.immediate;
  if (immediate === undefined) throw new Error('the fixture store has no immediate face');
  return { ...fixture.with({ direction }), store: immediate };
}

const page = () => request('MESSAGE', ['Content-Type: text/plain'], { body: 'hello' });
const inboundRules: RequestRule[] = [
  tombstonedAddress,
  inboundRetryAnswer,
  senderRateLimit,
  recipientRateLimit,
  peerRateLimit,
  senderRecipientCap,
  peerRecipientCap,
];

describe('store-backed rules on an immediate store', () => {
  it.each(inboundRules.map((rule) => [rule.name, rule] as const))(
    'Y1/Y2/P2 %s decides an inbound MESSAGE in the same turn',
    (_name, rule) => {
      const fixture = PolicyFixture.withMemoryStore();
      const verdict = rule.check(page(), immediateContext(fixture));
      expect(verdict).not.toBeInstanceOf(Promise);
      expect(verdict).toEqual({ kind: 'pass' });
    },
  );

  it('Y2 and P2 refuse in the same turn too', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    const context = immediateContext(fixture);
    await tombstone(fixture.store, 'sip:alice@a.example.com', fixture.context.limits, () => fixture.nowMs);
    expect(tombstonedAddress.check(page(), context)).toEqual({ kind: 'reply', status: 404 });
    const remembered = rememberRetryAnswer.check(page(), response(403, 'MESSAGE'), context);
    expect(remembered).toBeInstanceOf(Promise); // writing a remembered answer is the rare path
    await remembered;
    expect(inboundRetryAnswer.check(page(), context)).toMatchObject({ kind: 'reply', status: 403 });
  });

  const learning: Array<[string, ResponseRule, PolicyContext['direction'], number]> = [
    [peerOutcomes.name, peerOutcomes, 'inbound', 200],
    [learn604.name, learn604, 'outbound', 604],
    [rememberRetryAnswer.name, rememberRetryAnswer, 'inbound', 200],
  ];
  it.each(learning)('Y1/P4/P2 the response rule %s learns in the same turn', (_name, rule, direction, status) => {
    const fixture = PolicyFixture.withMemoryStore();
    const verdict = rule.check(page(), response(status, 'MESSAGE'), immediateContext(fixture, direction));
    expect(verdict).toEqual({ kind: 'pass' });
  });

  it('P4 an outbound request to a cached 604 is answered in the same turn', () => {
    const fixture = PolicyFixture.withMemoryStore();
    const context = immediateContext(fixture, 'outbound');
    const toPeer = () => request('MESSAGE', [], { uri: 'sip:list@b.example.net', from: 'sip:alice@a.example.com' });
    learn604.check(toPeer(), response(604, 'MESSAGE'), context);
    expect(cached604.check(toPeer(), context)).toMatchObject({ kind: 'reply', status: 404 });
  });
});
