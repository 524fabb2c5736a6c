import { describe, expect, it } from 'vitest';
import {
  ENFORCE_ALL,
  notify,
  pidf,
  PolicyFixture,
  subscribe,
  subscribeOk,
} from '../../../test/support/policy-fixture.js';
import { DEFAULT_CHAINS } from '../chains.js';
import type { PolicyContext } from '../policy-context.js';
import { decideRequest, type DecisionObserver, runRequestChain } from '../run-chain.js';
import { inboundNotifyRate, outboundNotifyRate } from './notify-rate.js';
import { trackSubscriptionResponses } from './subscription-dialogs.js';

/** A tracked dialog; `direction` is the SUBSCRIBE's: inbound = a peer's watcher, so its NOTIFYs go outbound. */
async function dialog(direction: 'inbound' | 'outbound', limits: Partial<PolicyContext['limits']> = {}) {
  const fixture = PolicyFixture.withSubscriptions({ direction, limits });
  await trackSubscriptionResponses.check(subscribe(), subscribeOk(), fixture.context);
  const notifyContext = fixture.with({ direction: direction === 'inbound' ? 'outbound' : 'inbound' });
  const rule = direction === 'inbound' ? outboundNotifyRate : inboundNotifyRate;
  const violations: string[] = [];
  const observer: DecisionObserver = { decided: () => undefined, violated: ({ spec }) => violations.push(spec) };
  return {
    fixture,
    violations,
    check: (state: string, body?: string) => decideRequest(rule, notify(state, body), notifyContext, observer),
  };
}

const PASS = { kind: 'pass' };
const OPEN = pidf('open');

describe('P8 NOTIFY rate', () => {
  it('P8 MUST NOT forward an unchanged NOTIFY sooner than 10 minutes after the last that crossed: outbound excess is answered 200 here', async () => {
    const { fixture, check } = await dialog('inbound');
    expect(await check('active;expires=3600', OPEN)).toEqual(PASS);
    fixture.advanceSeconds(60);
    expect(await check('active;expires=3540', OPEN)).toEqual({ kind: 'absorb', status: 200 });
    fixture.advanceSeconds(539);
    expect(await check('active;expires=3001', OPEN)).toEqual({ kind: 'absorb', status: 200 });
    fixture.advanceSeconds(1);
    expect(await check('active;expires=3000', OPEN)).toEqual(PASS);
    fixture.advanceSeconds(1);
    expect(await check('active;expires=2999', OPEN)).toEqual({ kind: 'absorb', status: 200 });
  });

  it('P8 MUST let a change of state cross at once, and count the interval from it', async () => {
    const { fixture, check } = await dialog('inbound');
    expect(await check('active', OPEN)).toEqual(PASS);
    fixture.advanceSeconds(5);
    expect(await check('active', pidf('closed'))).toEqual(PASS);
    expect(await check('pending', pidf('closed'))).toEqual(PASS);
    fixture.advanceSeconds(5);
    expect(await check('pending', pidf('closed'))).toEqual({ kind: 'absorb', status: 200 });
    expect(await check('active', OPEN)).toEqual(PASS);
  });

  it('P8 MUST let a terminating NOTIFY cross at once', async () => {
    const { fixture, check } = await dialog('inbound');
    expect(await check('active', OPEN)).toEqual(PASS);
    expect(await check('terminated;reason=noresource', OPEN)).toEqual(PASS);
    expect(fixture.subscriptions!.table.size).toBe(1); // the bookkeeping rule, not this one, ends the dialog
  });

  it('P8 MUST refuse inbound excess from a peer with 503 and Retry-After, and count it as a violation', async () => {
    const { fixture, violations, check } = await dialog('outbound');
    expect(await check('active', OPEN)).toEqual(PASS);
    fixture.advanceSeconds(100.5);
    expect(await check('active', OPEN)).toEqual({
      kind: 'reply',
      status: 503,
      reason: 'Unchanged NOTIFY Too Soon',
      headers: [
        ['Retry-After', '500'],
        ['Warning', '399 simple-edge "P8 unchanged NOTIFY: at most one per 600 s in a subscription"'],
      ],
    });
    expect(violations).toEqual(['P8']);
  });

  it("G1 MUST pace by the interval the peer's agreement sets", async () => {
    const { fixture, check } = await dialog('inbound', { notifyIntervalSeconds: 300 });
    expect(await check('active', OPEN)).toEqual(PASS);
    fixture.advanceSeconds(299);
    expect(await check('active', OPEN)).toEqual({ kind: 'absorb', status: 200 });
    fixture.advanceSeconds(1);
    expect(await check('active', OPEN)).toEqual(PASS);
  });

  it('MUST let NOTIFYs of dialogs it does not track cross', async () => {
    const fixture = PolicyFixture.withSubscriptions({ direction: 'outbound' });
    for (let i = 0; i < 3; i++)
      expect(await decideRequest(outboundNotifyRate, notify('active', OPEN), fixture.context)).toEqual(PASS);
  });

  it('MUST run in the default inbound chain after the PIDF check, and end the dialog on terminated', async () => {
    const { fixture } = await dialog('outbound');
    const inbound = fixture.with({ direction: 'inbound' });
    const run = (state: string) =>
      runRequestChain(DEFAULT_CHAINS.inboundRequest, notify(state, OPEN), inbound, ENFORCE_ALL);
    expect((await run('active')).verdict).toEqual(PASS);
    const refused = await run('active');
    expect([refused.verdict.kind, refused.decidedBy]).toEqual(['reply', { id: 'P8', name: 'notify-rate' }]);
    expect((await run('terminated;reason=timeout')).verdict).toEqual(PASS);
    expect(fixture.subscriptions!.table.size).toBe(0);
    expect((await run('active')).verdict).toEqual(PASS);
  });
});

describe('P8 NOTIFY rate in shadow mode', () => {
  it('MUST decide and count, but let the NOTIFY cross', async () => {
    const { fixture } = await dialog('inbound');
    const outbound = fixture.with({ direction: 'outbound' });
    const decided: string[] = [];
    const shadow = {
      modeOf: () => 'shadow' as const,
      observer: {
        decided: ({ rule, verdict }: { rule: { name: string }; verdict: { kind: string } }) =>
          void decided.push(`${rule.name} ${verdict.kind}`),
      },
    };
    await runRequestChain(DEFAULT_CHAINS.outboundRequest, notify('active', OPEN), outbound, shadow);
    const second = await runRequestChain(DEFAULT_CHAINS.outboundRequest, notify('active', OPEN), outbound, shadow);
    expect(second.verdict).toEqual(PASS);
    expect(decided).toEqual(['notify-rate absorb']);
  });
});
