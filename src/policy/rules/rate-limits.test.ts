import { describe, expect, it } from 'vitest';
import { PolicyFixture, request, response } from '../../../test/support/policy-fixture.js';
import { parseConfigText } from '../../config/load-config.js';
import type { PolicyContext } from '../policy-context.js';
import { PeerLimitTable } from '../peer-limits.js';
import type { RequestRule } from '../rule.js';
import { HARVESTING_THRESHOLDS, peerOutcomes, peerStanding } from './peer-outcomes.js';
import { peerRateLimit, recipientRateLimit, senderRateLimit } from './rate-limits.js';

const from = (user: string, extra: string[] = []) => request('MESSAGE', extra, { from: `sip:${user}@b.example.net` });
const to = (user: string) =>
  request('MESSAGE', [], { uri: `sip:${user}@a.example.com`, from: `sip:${user}-fan@b.example.net` });

/** How many of `count` requests the rule lets through, and its first refusal. */
async function admitted(
  rule: RequestRule,
  count: number,
  make: (i: number) => ReturnType<typeof request>,
  context: PolicyContext,
) {
  let passed = 0;
  let refusal: unknown;
  for (let i = 0; i < count; i++) {
    const verdict = await rule.check(make(i), context);
    if (verdict.kind === 'pass') passed++;
    else refusal ??= verdict;
  }
  return { passed, refusal };
}

describe('Y1 rate limits', () => {
  it('MUST refuse a sender over its per-sender bucket with 503 and Retry-After, and admit it again as the bucket refills', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { perSender: { capacity: 5, refillPerSecond: 1 }, retryAfterSeconds: 30 },
    });
    const burst = await admitted(senderRateLimit, 7, () => from('bob'), fixture.context);
    expect(burst).toEqual({
      passed: 5,
      refusal: { kind: 'reply', status: 503, reason: 'Sender Rate Exceeded', headers: [['Retry-After', '30']] },
    });
    expect(await senderRateLimit.check(from('carol'), fixture.context)).toEqual({ kind: 'pass' });
    fixture.advanceSeconds(1);
    expect(await senderRateLimit.check(from('bob'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST answer 403 without Retry-After when overLimitStatus is 403', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { perSender: { capacity: 1, refillPerSecond: 1 }, overLimitStatus: 403 },
    });
    expect((await admitted(senderRateLimit, 2, () => from('bob'), fixture.context)).refusal).toEqual({
      kind: 'reply',
      status: 403,
      reason: 'Sender Rate Exceeded',
      headers: [],
    });
  });

  it('X2 MUST give a sender its peer vouches for as trusted twice the per-sender rate, and any other sender the configured one', async () => {
    const limits = { perSender: { capacity: 5, refillPerSecond: 1 }, peerAssertsTrust: true };
    const fixture = PolicyFixture.withMemoryStore({ limits });
    expect(
      (await admitted(senderRateLimit, 12, () => from('bob', ['X-Trust-Level: trusted']), fixture.context)).passed,
    ).toBe(10);
    expect(
      (await admitted(senderRateLimit, 12, () => from('carol', ['X-Trust-Level: untrusted']), fixture.context)).passed,
    ).toBe(5);
    const notAsserting = fixture.with({ limits: { peerAssertsTrust: false } });
    expect(
      (await admitted(senderRateLimit, 12, () => from('dave', ['X-Trust-Level: trusted']), notAsserting)).passed,
    ).toBe(5);
  });

  it('MUST limit each local recipient, whoever the senders are', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { perRecipient: { capacity: 10, refillPerSecond: 2 } } });
    const fans = (i: number) =>
      request('MESSAGE', [], { uri: 'sip:alice@a.example.com', from: `sip:fan${i}@b.example.net` });
    expect(await admitted(recipientRateLimit, 12, fans, fixture.context)).toMatchObject({
      passed: 10,
      refusal: { status: 503, reason: 'Recipient Rate Exceeded' },
    });
    expect(await recipientRateLimit.check(to('carol'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST limit each peer community, across all its senders', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { perPeer: { capacity: 3, refillPerSecond: 1 } } });
    expect(await admitted(peerRateLimit, 5, (i) => from(`user${i}`), fixture.context)).toMatchObject({
      passed: 3,
      refusal: { status: 503, reason: 'Peer Rate Exceeded' },
    });
    expect(await peerRateLimit.check(from('bob'), fixture.with({ peer: 'c.example.org' }))).toEqual({ kind: 'pass' });
  });

  it('MUST give a discovered peer the stricter policy.discovered limits', async () => {
    const parsed = parseConfigText('domains: [a.example.com]\nagreements: [{ peer: b.example.net }]', 'test');
    if (!parsed.ok) throw new Error('config');
    const table = new PeerLimitTable(parsed.config);
    const fixture = PolicyFixture.withMemoryStore();
    const discovered = fixture.with({
      peer: 'x.example.com',
      discovered: true,
      limits: table.limitsFor('x.example.com').limits,
    });
    const agreed = fixture.with({ peer: 'b.example.net', limits: table.limitsFor('b.example.net').limits });
    expect((await admitted(peerRateLimit, 30, (i) => from(`u${i}`), discovered)).passed).toBe(20);
    expect((await admitted(peerRateLimit, 30, (i) => from(`u${i}`), agreed)).passed).toBe(30);
  });

  it('MUST count only new requests: requests inside a dialog take no token', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { perSender: { capacity: 1, refillPerSecond: 1 } } });
    const inDialog = () => request('MESSAGE', [], { toTag: 'a1' });
    expect((await admitted(senderRateLimit, 5, inDialog, fixture.context)).passed).toBe(5);
  });

  it('O7 MUST share the buckets through the store: a second instance on the same store sees the tokens taken', async () => {
    const first = PolicyFixture.withMemoryStore({ limits: { perSender: { capacity: 2, refillPerSecond: 1 } } });
    const second = new PolicyFixture({
      store: first.store,
      limits: { perSender: { capacity: 2, refillPerSecond: 1 } },
    });
    second.nowMs = first.nowMs;
    await senderRateLimit.check(from('bob'), first.context);
    await senderRateLimit.check(from('bob'), second.context);
    expect(await senderRateLimit.check(from('bob'), first.context)).toMatchObject({ status: 503 });
  });
});

describe('Y1 graded response to harvesting', () => {
  async function answer(fixture: PolicyFixture, status: number, times: number): Promise<void> {
    for (let i = 0; i < times; i++) await peerOutcomes.check(to(`u${i}`), response(status, 'MESSAGE'), fixture.context);
  }

  it('MUST drop a peer whose failures reach the suspicious threshold to the suspiciousPeer trickle', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { perPeer: { capacity: 50, refillPerSecond: 20 }, suspiciousPeer: { capacity: 1, refillPerSecond: 1 } },
    });
    await answer(fixture, 404, HARVESTING_THRESHOLDS.suspiciousFailures - 1);
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'normal' });
    await answer(fixture, 604, 1);
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'suspicious' });
    expect(await admitted(peerRateLimit, 3, (i) => from(`u${i}`), fixture.context)).toMatchObject({
      passed: 1,
      refusal: { status: 503 },
    });
  });

  it('MUST NOT treat failures as harvesting while successes outnumber them', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await answer(fixture, 200, 30);
    await answer(fixture, 404, 25);
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'normal' });
  });

  it('MUST cut a peer off until the window ends once its failures reach the cut-off threshold, then start afresh', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { distinctRecipientsWindowSeconds: 3600, retryAfterSeconds: 30 },
    });
    fixture.nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
    await answer(fixture, 404, HARVESTING_THRESHOLDS.cutOffFailures);
    fixture.advanceSeconds(600);
    expect(await peerRateLimit.check(from('bob'), fixture.context)).toEqual({
      kind: 'reply',
      status: 503,
      reason: 'Peer Blocked For Failed Requests',
      headers: [['Retry-After', '3000']],
    });
    fixture.advanceSeconds(3000);
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'normal' });
  });

  it("MUST count only what this community answers to a peer's new requests, and only address failures", async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await answer(fixture, 500, 50);
    await answer(fixture, 486, 50);
    const outbound = fixture.with({ direction: 'outbound' });
    for (let i = 0; i < 50; i++) await peerOutcomes.check(to(`u${i}`), response(404, 'MESSAGE'), outbound);
    expect(await peerStanding(fixture.context)).toEqual({ kind: 'normal' });
    expect(await fixture.store.list('outcomes:')).toEqual([]);
  });
});
