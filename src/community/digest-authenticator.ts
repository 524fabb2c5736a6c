// Digest authentication of a REGISTER (RFC 3261 §22.4; RFC 8760: SHA-256 and MD5): a challenge per
// offered algorithm, and a check of the credentials against the user directory's H(A1).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { expectedResponse, namedAlgorithm, type DigestAlgorithm } from './digest-algorithm.js';
import { parseDigestCredentials } from './digest-credentials.js';
import type { NonceIssuer } from './nonce-issuer.js';
import type { UserRecord } from './user-directory.js';

export type AuthOutcome =
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'challenge'; readonly stale: boolean }
  | { readonly kind: 'forbidden'; readonly why: string };

export class DigestAuthenticator {
  readonly #realm: string;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #nonces: NonceIssuer;

  constructor(options: { realm: string; algorithms: readonly DigestAlgorithm[]; nonces: NonceIssuer }) {
    this.#realm = options.realm;
    this.#algorithms = options.algorithms;
    this.#nonces = options.nonces;
  }

  get realm(): string {
    return this.#realm;
  }

  /** RFC 8760 §2.4: one WWW-Authenticate per algorithm, the preferred first. */
  challenge(stale: boolean): Array<[string, string]> {
    const nonce = this.#nonces.issue(this.#realm);
    return this.#algorithms.map((algorithm) => [
      'WWW-Authenticate',
      `Digest realm="${this.#realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    ]);
  }

  /** Whether the request's credentials for our realm prove the user's password. */
  authenticate(request: IncomingRequest, user: UserRecord | undefined): AuthOutcome {
    const credentials = request.headers
      .getAll('authorization')
      .map(parseDigestCredentials)
      .find((c) => c?.realm === this.#realm);
    if (credentials === undefined) return { kind: 'challenge', stale: false };
    const algorithm = namedAlgorithm(credentials.algorithm);
    if (algorithm === undefined || !this.#algorithms.includes(algorithm)) return { kind: 'challenge', stale: false };
    const nonce = this.#nonces.check(credentials.nonce, this.#realm);
    if (nonce === 'invalid') return { kind: 'challenge', stale: false };
    if (user === undefined || credentials.username !== user.username)
      return { kind: 'forbidden', why: 'unknown user or wrong password' };
    const qop =
      credentials.qop === 'auth' && credentials.nc !== undefined && credentials.cnonce !== undefined
        ? { nc: credentials.nc, cnonce: credentials.cnonce }
        : undefined;
    const expected = expectedResponse({
      algorithm,
      ha1: user.ha1[algorithm],
      method: request.method,
      uri: credentials.uri,
      nonce: credentials.nonce,
      ...(qop === undefined ? {} : { qop }),
    });
    if (!sameText(expected, credentials.response)) return { kind: 'forbidden', why: 'unknown user or wrong password' };
    // A right answer to an expired nonce: ask again with stale=true (RFC 7616 §3.3), no new password prompt.
    return nonce === 'stale' ? { kind: 'challenge', stale: true } : { kind: 'authenticated' };
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
