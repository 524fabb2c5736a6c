import { describe, expect, it } from 'vitest';
import { PolicyFixture, request } from '../../../test/support/policy-fixture.js';
import { inboundTrustLevel, isTrustedSender, outboundTrustLevel } from './trust-level.js';

const withTrust = (...values: string[]) =>
  request(
    'MESSAGE',
    values.map((v) => `X-Trust-Level: ${v}`),
  );
const REMOVE = { kind: 'edit', edits: [{ op: 'remove', name: 'X-Trust-Level' }] };

describe('X2 user trust level', () => {
  it('MUST remove the trust header from a peer that does not assert trust, and treat the sender as non-trusted', () => {
    const { context } = new PolicyFixture({ limits: { peerAssertsTrust: false } });
    expect(inboundTrustLevel.check(withTrust('trusted'), context)).toEqual(REMOVE);
    expect(isTrustedSender(withTrust('trusted'), context)).toBe(false);
    expect(inboundTrustLevel.check(request('MESSAGE'), context)).toEqual({ kind: 'pass' });
  });

  it('MUST keep a valid trust header from a peer whose agreement says it asserts trust', () => {
    const { context } = new PolicyFixture({ limits: { peerAssertsTrust: true } });
    expect(inboundTrustLevel.check(withTrust('trusted'), context)).toEqual({ kind: 'pass' });
    expect(inboundTrustLevel.check(withTrust('Untrusted'), context)).toEqual({ kind: 'pass' });
    expect(isTrustedSender(withTrust('TRUSTED'), context)).toBe(true);
    expect(isTrustedSender(withTrust('untrusted'), context)).toBe(false);
    expect(isTrustedSender(request('MESSAGE'), context)).toBe(false);
  });

  it('MUST remove an unknown value or a repeated header even from a peer that asserts trust', () => {
    const { context } = new PolicyFixture({ limits: { peerAssertsTrust: true } });
    expect(inboundTrustLevel.check(withTrust('superuser'), context)).toEqual(REMOVE);
    expect(inboundTrustLevel.check(withTrust('trusted', 'trusted'), context)).toEqual(REMOVE);
    expect(isTrustedSender(withTrust('trusted', 'untrusted'), context)).toBe(false);
  });

  it("MUST keep the community's trusted/untrusted on the way out and strip anything else", () => {
    const { context } = new PolicyFixture({ direction: 'outbound' });
    expect(outboundTrustLevel.check(withTrust('trusted'), context)).toEqual({ kind: 'pass' });
    expect(outboundTrustLevel.check(withTrust('untrusted'), context)).toEqual({ kind: 'pass' });
    expect(outboundTrustLevel.check(withTrust('vip'), context)).toEqual(REMOVE);
    expect(outboundTrustLevel.check(request('MESSAGE'), context)).toEqual({ kind: 'pass' });
  });

  it('MUST use the configured header name', () => {
    const { context } = new PolicyFixture({ community: { trustHeader: 'P-Trust' } });
    expect(inboundTrustLevel.check(request('MESSAGE', ['P-Trust: trusted']), context)).toEqual({
      kind: 'edit',
      edits: [{ op: 'remove', name: 'P-Trust' }],
    });
    expect(inboundTrustLevel.check(withTrust('trusted'), context)).toEqual({ kind: 'pass' });
  });
});
