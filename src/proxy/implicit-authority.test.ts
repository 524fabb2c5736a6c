import { describe, expect, it } from 'vitest';
import { request } from '../../test/support/policy-fixture.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { ImplicitAuthority } from './implicit-authority.js';

const authority = new ImplicitAuthority([{ peer: 'b.example.net', speaksFor: ['c.example.org'] }]);
const authenticatedAs = (...domains: string[]) =>
  new RecordingFlow({ side: 'external', protocol: 'tls', peerIdentity: domains });

describe('F7 implicit authority', () => {
  it('MUST attribute a request to the domain its connection is authenticated for', () => {
    expect(
      authority.attribute(request('MESSAGE', [], { from: 'sip:bob@b.example.net' }), authenticatedAs('b.example.net')),
    ).toEqual({ kind: 'peer', peer: 'b.example.net', authenticated: true });
  });

  it('MUST refuse a From domain the connection is not authenticated for', () => {
    const verdict = authority.attribute(
      request('MESSAGE', [], { from: 'sip:mallory@trusted.example.org' }),
      authenticatedAs('b.example.net'),
    );
    expect(verdict).toMatchObject({ kind: 'refused', reason: expect.stringContaining('trusted.example.org') });
  });

  it("MUST accept a domain the authenticated peer's agreement lets it speak for, and attribute it to that peer", () => {
    expect(
      authority.attribute(
        request('MESSAGE', [], { from: 'sip:carol@c.example.org' }),
        authenticatedAs('b.example.net'),
      ),
    ).toEqual({ kind: 'peer', peer: 'b.example.net', authenticated: true });
  });

  it('MUST check P-Asserted-Identity as well as From', () => {
    const spoofed = request('MESSAGE', ['P-Asserted-Identity: <sip:ceo@a.example.com>'], {
      from: 'sip:bob@b.example.net',
    });
    expect(authority.attribute(spoofed, authenticatedAs('b.example.net')).kind).toBe('refused');
  });

  it("MUST take an unauthenticated flow's claim as unverified", () => {
    const flow = new RecordingFlow({ side: 'external', protocol: 'tcp' });
    expect(authority.attribute(request('MESSAGE', [], { from: 'sip:bob@b.example.net' }), flow)).toEqual({
      kind: 'peer',
      peer: 'b.example.net',
      authenticated: false,
    });
  });
});
