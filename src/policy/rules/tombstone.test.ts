import { describe, expect, it } from 'vitest';
import { PolicyFixture, request } from '../../../test/support/policy-fixture.js';
import { isTombstoned, tombstone } from '../../state/tombstones.js';
import { tombstonedAddress } from './tombstone.js';

describe('Y2 tombstones', () => {
  it('MUST answer 404 to requests from peers to a removed address, whatever the method', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await tombstone(fixture.store, 'Carol@a.example.com', fixture.context.limits, () => fixture.nowMs);
    for (const method of ['MESSAGE', 'SUBSCRIBE', 'INVITE', 'OPTIONS']) {
      expect(
        await tombstonedAddress.check(request(method, [], { uri: 'sip:carol@a.example.com' }), fixture.context),
      ).toEqual({ kind: 'reply', status: 404 });
    }
    expect(await tombstonedAddress.check(request('MESSAGE'), fixture.context)).toEqual({ kind: 'pass' });
  });

  it('MUST keep the tombstone under tombstone:<address-of-record> for tombstoneSeconds (90 days), then let requests pass', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await tombstone(fixture.store, 'sip:carol@a.example.com', { tombstoneSeconds: 90 * 86_400 }, () => fixture.nowMs);
    expect(await fixture.store.list('tombstone:')).toEqual([
      {
        key: 'tombstone:sip:carol@a.example.com',
        value: { address: 'sip:carol@a.example.com', removedAt: fixture.nowMs },
        expiresAt: fixture.nowMs + 90 * 86_400_000,
      },
    ]);
    expect(await isTombstoned(fixture.store, 'carol@A.example.com')).toBe(true);
    fixture.advanceSeconds(90 * 86_400);
    expect(await isTombstoned(fixture.store, 'carol@a.example.com')).toBe(false);
    expect(
      await tombstonedAddress.check(request('MESSAGE', [], { uri: 'sip:carol@a.example.com' }), fixture.context),
    ).toEqual({ kind: 'pass' });
  });

  it('MUST leave requests inside a dialog alone', async () => {
    const fixture = PolicyFixture.withMemoryStore();
    await tombstone(fixture.store, 'carol@a.example.com', fixture.context.limits);
    expect(
      await tombstonedAddress.check(
        request('BYE', [], { uri: 'sip:carol@a.example.com', toTag: 'c1' }),
        fixture.context,
      ),
    ).toEqual({ kind: 'pass' });
  });

  it('Y3 MUST answer a tombstoned address like a live one in confidential mode', async () => {
    const fixture = PolicyFixture.withMemoryStore({ limits: { confidential: true } });
    await tombstone(fixture.store, 'carol@a.example.com', fixture.context.limits);
    expect(
      await tombstonedAddress.check(request('MESSAGE', [], { uri: 'sip:carol@a.example.com' }), fixture.context),
    ).toEqual({ kind: 'absorb', status: 200 });
    expect(
      await tombstonedAddress.check(request('INVITE', [], { uri: 'sip:carol@a.example.com' }), fixture.context),
    ).toEqual({ kind: 'reply', status: 480 });
  });
});
