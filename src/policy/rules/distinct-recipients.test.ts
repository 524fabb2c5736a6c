import { describe, expect, it } from 'vitest';
import { PolicyFixture, request } from '../../../test/support/policy-fixture.js';
import { peerRecipientCap, senderRecipientCap } from './distinct-recipients.js';

const message = (sender: string, recipient: string, extra: string[] = []) =>
  request('MESSAGE', extra, { from: `sip:${sender}@b.example.net`, uri: `sip:${recipient}@a.example.com` });

describe('Y1 distinct recipients (address harvesting)', () => {
  it('MUST refuse a sender that reaches more distinct recipients in the window than its cap, and not count repeats', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { maxDistinctRecipientsPerSender: 3, retryAfterSeconds: 30 },
    });
    for (const recipient of ['u1', 'u2', 'u3', 'u1', 'u3']) {
      expect(await senderRecipientCap.check(message('bob', recipient), fixture.context)).toEqual({ kind: 'pass' });
    }
    expect(await senderRecipientCap.check(message('bob', 'u4'), fixture.context)).toEqual({
      kind: 'reply',
      status: 503,
      reason: 'Too Many Recipients From Sender',
      headers: [['Retry-After', '30']],
    });
    expect(await senderRecipientCap.check(message('carol', 'u4'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST start a new window once distinctRecipientsWindowSeconds have passed', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { maxDistinctRecipientsPerSender: 1, distinctRecipientsWindowSeconds: 3600 },
    });
    await senderRecipientCap.check(message('bob', 'u1'), fixture.context);
    expect(await senderRecipientCap.check(message('bob', 'u2'), fixture.context)).toMatchObject({ status: 503 });
    fixture.advanceSeconds(3600);
    expect(await senderRecipientCap.check(message('bob', 'u2'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('X2 MUST give a trusted sender twice the cap', async () => {
    const fixture = PolicyFixture.withMemoryStore({
      limits: { maxDistinctRecipientsPerSender: 2, peerAssertsTrust: true },
    });
    const verdicts = [];
    for (const recipient of ['u1', 'u2', 'u3', 'u4', 'u5'])
      verdicts.push(
        (await senderRecipientCap.check(message('bob', recipient, ['X-Trust-Level: trusted']), fixture.context)).kind,
      );
    expect(verdicts).toEqual(['pass', 'pass', 'pass', 'pass', 'reply']);
  });

  it('MUST cap the distinct recipients of a whole peer community', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { maxDistinctRecipientsPerPeer: 2 } });
    expect(await peerRecipientCap.check(message('bob', 'u1'), fixture.context)).toEqual({ kind: 'pass' });
    expect(await peerRecipientCap.check(message('carol', 'u2'), fixture.context)).toEqual({ kind: 'pass' });
    expect(await peerRecipientCap.check(message('dave', 'u3'), fixture.context)).toMatchObject({
      status: 503,
      reason: 'Too Many Recipients From Peer',
    });
    expect(await peerRecipientCap.check(message('dave', 'u3'), fixture.with({ peer: 'c.example.org' }))).toEqual({
      kind: 'pass',
    });
  });

  it('MUST NOT count requests inside a dialog', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { maxDistinctRecipientsPerSender: 1 } });
    for (const recipient of ['u1', 'u2', 'u3']) {
      const inDialog = request('MESSAGE', [], {
        from: 'sip:bob@b.example.net',
        uri: `sip:${recipient}@a.example.com`,
        toTag: 't',
      });
      expect(await senderRecipientCap.check(inDialog, fixture.context)).toEqual({ kind: 'pass' });
    }
  });
});
