import { describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { ha1, type DigestAlgorithm } from '../community/digest-algorithm.js';
import { DigestAuthenticator } from '../community/digest-authenticator.js';
import { NonceIssuer } from '../community/nonce-issuer.js';
import type { UserRecord } from '../community/user-directory.js';
import { digestAuthorization, parseDigestChallenge } from './digest-authorization.js';

const REALM = 'a.example.com';
const alice: UserRecord = {
  address: `sip:alice@${REALM}`,
  username: 'alice',
  realm: REALM,
  createdAt: 0,
  ha1: { MD5: ha1('MD5', 'alice', REALM, 'wonderland'), 'SHA-256': ha1('SHA-256', 'alice', REALM, 'wonderland') },
};

function registrarChallenge(algorithm: DigestAlgorithm): { authenticator: DigestAuthenticator; header: string } {
  const nonces = new NonceIssuer({ secret: Buffer.alloc(32, 7), lifetimeSeconds: 300, now: () => 1_700_000_000_000 });
  const authenticator = new DigestAuthenticator({ realm: REALM, algorithms: [algorithm], nonces });
  return { authenticator, header: authenticator.challenge(false)[0]![1] };
}

function answered(authenticator: DigestAuthenticator, header: string, password: string): string {
  const authorization = digestAuthorization({
    challenge: parseDigestChallenge(header)!,
    username: 'alice',
    password,
    method: 'REGISTER',
    uri: `sip:${REALM}`,
  });
  return authenticator.authenticate(
    communityRequest({ method: 'REGISTER', uri: `sip:${REALM}`, headers: [`Authorization: ${authorization}`] }),
    alice,
  ).kind;
}

describe("the demo user agent's digest (RFC 3261 §22.4, RFC 7616 §3.4)", () => {
  it('reads realm, nonce, algorithm and the offered qop from a challenge', () => {
    expect(
      parseDigestChallenge('Digest realm="a.example.com", nonce="n1", algorithm=MD5, qop="auth,auth-int", opaque="o"'),
    ).toEqual({ realm: REALM, nonce: 'n1', algorithm: 'MD5', opaque: 'o', qop: ['auth', 'auth-int'] });
    expect(parseDigestChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseDigestChallenge('Digest realm="x"')).toBeUndefined();
  });

  it.each(['MD5', 'SHA-256'] as const)(
    "answers the built-in registrar's %s challenge so that it authenticates",
    (algorithm) => {
      const { authenticator, header } = registrarChallenge(algorithm);
      expect(answered(authenticator, header, 'wonderland')).toBe('authenticated');
    },
  );

  it('with a wrong password is refused', () => {
    const { authenticator, header } = registrarChallenge('MD5');
    expect(answered(authenticator, header, 'looking-glass')).toBe('forbidden');
  });
});
