import { describe, expect, it } from 'vitest';
import { borderPolicyFixture, PolicyFixture, request, subscribe } from '../../../test/support/policy-fixture.js';
import type { PolicyDocument } from '../../config/policy-document.js';
import { DEFAULT_CHAINS } from '../chains.js';
import type { PolicyContext } from '../policy-context.js';
import { peerPublishedRate, peerSubscriptionExpires } from './peer-published-policy.js';

const PUBLISHED: PolicyDocument = {
  version: 3,
  domains: ['b.example.net'],
  subscription: { minExpiresSeconds: 1800, maxExpiresSeconds: 7200 },
  notify: { minIntervalSeconds: 900 },
  rates: {
    perSender: { capacity: 2, refillPerSecond: 1 },
    perPeer: { capacity: 3, refillPerSecond: 1 },
    perRecipient: { capacity: 5, refillPerSecond: 1 },
  },
  recordRoute: { maxBytes: 1024 },
  im: { pageMode: true, sessionMode: false },
  trust: { header: 'X-Trust-Level', semantics: '' },
};

/** The fixture's context for an outbound request; `null`: the peer published nothing (yet). */
function outbound(fixture: PolicyFixture, peerPolicy: PolicyDocument | null = PUBLISHED): PolicyContext {
  const context = fixture.with({ direction: 'outbound' });
  return peerPolicy === null ? context : { ...context, peerPolicy };
}

describe("G2 outbound traffic within the peer's published policy", () => {
  it("G2 raises a SUBSCRIBE's Expires to the peer's published minimum, so no 423 round trip is needed", () => {
    const context = outbound(new PolicyFixture());
    expect(peerSubscriptionExpires.check(subscribe(['Expires: 600']), context)).toEqual({
      kind: 'edit',
      edits: [{ op: 'set', name: 'Expires', value: '1800' }],
    });
    expect(peerSubscriptionExpires.check(subscribe([]), context)).toEqual({ kind: 'pass' }); // 3600 implied: within
    expect(peerSubscriptionExpires.check(subscribe(['Expires: 86400']), context)).toEqual({
      kind: 'edit',
      edits: [{ op: 'set', name: 'Expires', value: '7200' }],
    });
  });

  it("G2 never lengthens an un-SUBSCRIBE, and does nothing before the peer's document is known", () => {
    expect(peerSubscriptionExpires.check(subscribe(['Expires: 0']), outbound(new PolicyFixture()))).toEqual({
      kind: 'pass',
    });
    expect(peerSubscriptionExpires.check(subscribe(['Expires: 60']), outbound(new PolicyFixture(), null))).toEqual({
      kind: 'pass',
    });
  });

  it("G2 holds new requests beyond the peer's published per-sender rate here, with 503 and Retry-After", async () => {
    const fixture = PolicyFixture.withMemoryStore();
    const context = outbound(fixture);
    const message = () => request('MESSAGE', ['Content-Type: text/plain'], { body: 'hi' });
    expect(await peerPublishedRate.check(message(), context)).toEqual({ kind: 'pass' });
    expect(await peerPublishedRate.check(message(), context)).toEqual({ kind: 'pass' });
    const held = await peerPublishedRate.check(message(), context);
    expect(held).toMatchObject({
      kind: 'reply',
      status: 503,
      headers: [
        ['Retry-After', '1'],
        ['Warning', expect.stringContaining('G2 b.example.net publishes a limit of 1/s per sender')],
      ],
    });
    fixture.nowMs += 1000;
    expect(await peerPublishedRate.check(message(), context)).toEqual({ kind: 'pass' });
  });

  it("G2 paces our presence server's unchanged NOTIFYs at the peer's longer published interval", async () => {
    const fixture = PolicyFixture.withMemoryStore();
    const seen: number[] = [];
    const policy = borderPolicyFixture({
      chains: {
        inboundRequest: [],
        response: [],
        outboundRequest: [
          {
            id: 'G2',
            name: 'probe',
            phase: 'outbound-request',
            check: (_r, c) => (seen.push(c.limits.notifyIntervalSeconds), { kind: 'pass' }),
          },
        ],
      },
      store: fixture.store,
      limitsFor: () => ({ limits: fixture.context.limits, discovered: false }),
      peerPolicyOf: (peer) => (peer === 'b.example.net' ? PUBLISHED : undefined),
    });
    const notify = request('NOTIFY', ['Event: presence', 'Subscription-State: active;expires=600']);
    await policy.checkRequest(notify, { direction: 'outbound', peer: 'b.example.net' });
    await policy.checkRequest(notify, { direction: 'outbound', peer: 'c.example.org' });
    await policy.checkRequest(notify, { direction: 'inbound', peer: 'b.example.net' });
    expect(seen).toEqual([900, fixture.context.limits.notifyIntervalSeconds]);
    expect(DEFAULT_CHAINS.outboundRequest).toContain(peerPublishedRate);
  });
});
