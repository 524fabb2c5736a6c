import { describe, expect, it } from 'vitest';
import {
  notify,
  PolicyFixture,
  reSubscribe,
  request,
  response,
  subscribe,
  subscribeOk,
} from '../../../test/support/policy-fixture.js';
import type { PolicyContext } from '../policy-context.js';
import { inboundRefreshDiscipline, outboundRefreshDiscipline } from './refresh-discipline.js';
import { trackOutboundDialogRequests, trackSubscriptionResponses } from './subscription-dialogs.js';
import { decideRequest, type DecisionObserver } from '../run-chain.js';

/** A dialog granted 3600 s now; `direction` is the SUBSCRIBE's (outbound: our watcher, inbound: a peer's). */
async function dialog(direction: 'inbound' | 'outbound', limits: Partial<PolicyContext['limits']> = {}) {
  const fixture = PolicyFixture.withSubscriptions({ direction, limits });
  await trackSubscriptionResponses.check(subscribe(['Expires: 3600']), subscribeOk(3600), fixture.context);
  const rule = direction === 'outbound' ? outboundRefreshDiscipline : inboundRefreshDiscipline;
  const violations: string[] = [];
  const observer: DecisionObserver = { decided: () => undefined, violated: ({ spec }) => violations.push(spec) };
  return {
    fixture,
    violations,
    check: (extra: string[] = ['Expires: 3600']) => decideRequest(rule, reSubscribe(extra), fixture.context, observer),
  };
}

const PASS = { kind: 'pass' };

describe('P7 refresh discipline', () => {
  it('P7 MUST answer an early unchanged re-SUBSCRIBE from our watcher at the border, from the dialog state', async () => {
    const { fixture, check } = await dialog('outbound');
    fixture.advanceSeconds(600);
    expect(await check()).toEqual({
      kind: 'absorb',
      status: 200,
      headers: [
        ['Expires', '3000'],
        ['Contact', '<sip:alice@a.example.com>'],
      ],
    });
  });

  it('P7 MUST let a refresh through once half the granted period has passed (minRefreshIntervalPercent)', async () => {
    const { fixture, check } = await dialog('outbound');
    fixture.advanceSeconds(1799);
    expect((await check()).kind).toBe('absorb');
    fixture.advanceSeconds(1);
    expect(await check()).toEqual(PASS);
  });

  it("P7 MUST let a re-SUBSCRIBE that changes the subscription's parameters through at once", async () => {
    const { fixture } = await dialog('outbound');
    fixture.advanceSeconds(10);
    const changed = request(
      'SUBSCRIBE',
      ['Event: presence', 'Accept: application/pidf+xml, application/pidf-diff+xml', 'Expires: 3600'],
      { toTag: 'a9' },
    );
    expect(await decideRequest(outboundRefreshDiscipline, changed, fixture.context)).toEqual(PASS);
  });

  it('P7 MUST let an unsubscription (Expires: 0) and a fresh SUBSCRIBE outside the dialog through', async () => {
    const { fixture, check } = await dialog('outbound');
    fixture.advanceSeconds(10);
    expect(await check(['Expires: 0'])).toEqual(PASS);
    expect(await decideRequest(outboundRefreshDiscipline, subscribe(['Expires: 3600']), fixture.context)).toEqual(PASS);
  });

  it('P7 MUST let a full-state refresh through after partial notifications (RFC 5263)', async () => {
    const { fixture, check } = await dialog('outbound');
    await decideRequest(
      trackOutboundDialogRequests,
      notify('active', undefined, ['Content-Type: application/pidf-diff+xml']),
      fixture.with({ direction: 'inbound' }),
    );
    fixture.advanceSeconds(10);
    expect(await check()).toEqual(PASS);
  });

  it("P7 MUST count a peer's early refreshes as violations and refuse them beyond the tolerance with 503 and Retry-After", async () => {
    const { fixture, violations, check } = await dialog('inbound', { earlyRefreshTolerance: 2 });
    fixture.advanceSeconds(60);
    expect(await check()).toEqual(PASS);
    expect(await check()).toEqual(PASS);
    expect(await check()).toEqual({
      kind: 'reply',
      status: 503,
      reason: 'Subscription Refreshed Too Soon',
      headers: [
        ['Retry-After', '1740'],
        ['Warning', '399 simple-edge "P7 re-SUBSCRIBE sooner than the subscription\'s expiration implies"'],
      ],
    });
    expect(violations).toEqual(['P7', 'P7', 'P7']);
    fixture.advanceSeconds(1740);
    expect(await check()).toEqual(PASS);
    await trackSubscriptionResponses.check(
      reSubscribe(['Expires: 3600']),
      response(200, 'SUBSCRIBE', ['Expires: 3600']),
      fixture.context,
    );
    fixture.advanceSeconds(60);
    expect(await check()).toEqual(PASS); // an on-time refresh started the count again
  });

  it('G1 MUST let an agreement turn the discipline off (minRefreshIntervalPercent: 0)', async () => {
    const { fixture, check } = await dialog('outbound', { minRefreshIntervalPercent: 0 });
    fixture.advanceSeconds(1);
    expect(await check()).toEqual(PASS);
  });
});
