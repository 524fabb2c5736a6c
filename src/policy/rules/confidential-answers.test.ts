import { describe, expect, it } from 'vitest';
import { ENFORCE_ALL, PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import { DEFAULT_CHAINS } from '../chains.js';
import { runResponseChain } from '../run-chain.js';
import { confidentialAnswers } from './confidential-answers.js';
import { peerStanding } from './peer-outcomes.js';

const CONFIDENTIAL = { limits: { confidential: true, maxSubscriptionExpiresSeconds: 86_400 } };

describe('Y3 P1 M1 confidential mode', () => {
  const { context } = new PolicyFixture(CONFIDENTIAL);

  it('M1 MUST answer 200 to a MESSAGE for an unknown or barred inbox, and discard it', () => {
    for (const status of [404, 403, 410, 604]) {
      expect(confidentialAnswers.check(request('MESSAGE'), response(status, 'MESSAGE'), context)).toEqual({
        kind: 'absorb',
        status: 200,
      });
    }
  });

  it('P1 MUST answer 200 with Expires, Contact and the Record-Route to a SUBSCRIBE for an unknown presentity', () => {
    const subscribe = request('SUBSCRIBE', [
      'Record-Route: <sip:edge.b.example.net;lr>',
      'Event: presence',
      'Expires: 604800',
    ]);
    expect(confidentialAnswers.check(subscribe, response(404, 'SUBSCRIBE'), context)).toEqual({
      kind: 'absorb',
      status: 200,
      headers: [
        ['Expires', '86400'],
        ['Contact', '<sip:alice@a.example.com>'],
        ['Record-Route', '<sip:edge.b.example.net;lr>'],
      ],
    });
  });

  it('MUST answer other methods 480, as a live but unreachable user, and leave a 480 as it is', () => {
    expect(confidentialAnswers.check(request('INVITE'), response(404, 'INVITE'), context)).toEqual({
      kind: 'reply',
      status: 480,
    });
    expect(confidentialAnswers.check(request('INVITE'), response(480, 'INVITE'), context)).toEqual({ kind: 'pass' });
  });

  it('MUST leave other answers, outbound answers and answers outside confidential mode alone', () => {
    expect(confidentialAnswers.check(request('MESSAGE'), response(200, 'MESSAGE'), context)).toEqual({ kind: 'pass' });
    expect(confidentialAnswers.check(request('MESSAGE'), response(415, 'MESSAGE'), context)).toEqual({ kind: 'pass' });
    expect(
      confidentialAnswers.check(
        request('MESSAGE'),
        response(404, 'MESSAGE'),
        new PolicyFixture({ ...CONFIDENTIAL, direction: 'outbound' }).context,
      ),
    ).toEqual({ kind: 'pass' });
    expect(
      confidentialAnswers.check(request('MESSAGE'), response(404, 'MESSAGE'), new PolicyFixture().context),
    ).toEqual({ kind: 'pass' });
    expect(
      confidentialAnswers.check(request('MESSAGE', [], { toTag: 'a1' }), response(404, 'MESSAGE'), context),
    ).toEqual({ kind: 'pass' });
  });

  it('MUST count the real answer towards harvesting and never replay the concealed 404 (response chain order)', async () => {
    const fixture = PolicyFixture.withMemoryStore(CONFIDENTIAL);
    for (let i = 0; i < 20; i++) {
      const outcome = await runResponseChain(
        DEFAULT_CHAINS.response,
        request('MESSAGE', [], { uri: `sip:u${i}@a.example.com` }),
        response(404, 'MESSAGE'),
        fixture.context,
        ENFORCE_ALL,
      );
      expect(outcome.verdict).toEqual({ kind: 'absorb', status: 200 });
    }
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'suspicious' });
    expect(await fixture.store.list('retry:')).toEqual([]);
  });
});
