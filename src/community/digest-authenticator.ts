// Digest authentication (RFC 3261 §22.4; RFC 8760: SHA-256 and MD5): a challenge per offered
// algorithm, and a check of the credentials against the user directory's H(A1). The registrar asks
// as a user agent server (401, §22.2); the edge asks as a proxy (407, §22.3) with the same realm,
// algorithms and nonces.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { expectedResponse, namedAlgorithm, type DigestAlgorithm } from './digest-algorithm.js';
import { parseDigestCredentials, type DigestCredentials } from './digest-credentials.js';
import type { NonceIssuer } from './nonce-issuer.js';
import type { UserRecord } from './user-directory.js';

/** Who asks: a registrar (WWW-Authenticate, Authorization) or a proxy (Proxy-Authenticate, Proxy-Authorization). */
export type DigestRole = 'registrar' | 'proxy';

const HEADERS: Readonly<Record<DigestRole, { readonly challenge: string; readonly credentials: string }>> = {
  registrar: { challenge: 'WWW-Authenticate', credentials: 'authorization' },
  proxy: { challenge: 'Proxy-Authenticate', credentials: 'proxy-authorization' },
};

export type AuthOutcome =
  | { readonly kind: 'authenticated' }
  | { readonly kind: 'challenge'; readonly stale: boolean }
  | { readonly kind: 'forbidden'; readonly why: string };

export class DigestAuthenticator {
  readonly #realm: string;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #nonces: NonceIssuer;
  readonly #role: DigestRole;

  constructor(options: {
    realm: string;
    algorithms: readonly DigestAlgorithm[];
    nonces: NonceIssuer;
    role?: DigestRole;
  }) {
    this.#realm = options.realm;
    this.#algorithms = options.algorithms;
    this.#nonces = options.nonces;
    this.#role = options.role ?? 'registrar';
  }

  /** The same realm, algorithms and nonces, asking in another role. */
  inRole(role: DigestRole): DigestAuthenticator {
    return new DigestAuthenticator({ realm: this.#realm, algorithms: this.#algorithms, nonces: this.#nonces, role });
  }

  get realm(): string {
    return this.#realm;
  }

  /** RFC 8760 §2.4: one WWW-Authenticate (or Proxy-Authenticate) per algorithm, the preferred first. */
  challenge(stale: boolean): Array<[string, string]> {
    const nonce = this.#nonces.issue(this.#realm);
    return this.#algorithms.map((algorithm) => [
      HEADERS[this.#role].challenge,
      `Digest realm="${this.#realm}", nonce="${nonce}", algorithm=${algorithm}, qop="auth"${stale ? ', stale=true' : ''}`,
    ]);
  }

  /** The request's credentials for our realm, in the header of this role. */
  credentialsOf(request: IncomingRequest): DigestCredentials | undefined {
    return request.headers
      .getAll(HEADERS[this.#role].credentials)
      .map(parseDigestCredentials)
      .find((c) => c?.realm === this.#realm);
  }

  /** Whether one credentials header value is meant for our realm (RFC 3261 §22.3: a proxy consumes those). */
  isOwn(value: string): boolean {
    return parseDigestCredentials(value)?.realm === this.#realm;
  }

  /** Whether the request's credentials for our realm prove the user's password. */
  authenticate(request: IncomingRequest, user: UserRecord | undefined): AuthOutcome {
    const credentials = this.credentialsOf(request);
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
