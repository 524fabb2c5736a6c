// HTTP digest for SIP (RFC 3261 §22.4 with RFC 8760): the algorithms the registrar offers and the
// hashes the user directory keeps, so that no password is ever stored.
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'SHA-256' | 'MD5';

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'SHA-256': 'sha256', MD5: 'md5' };

export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  return createHash(NODE_HASH[algorithm]).update(text, 'utf8').digest('hex');
}

/** RFC 7616 §3.4.2: A1 = username:realm:password; the directory keeps H(A1) per algorithm. */
export function ha1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** The algorithm a client named; RFC 3261 §22.4: absent means MD5. Undefined for one we do not offer. */
export function namedAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  const name = (value ?? 'MD5').toUpperCase();
  return name === 'MD5' || name === 'SHA-256' ? name : undefined;
}

export interface DigestResponseInput {
  readonly algorithm: DigestAlgorithm;
  readonly ha1: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** With qop=auth (RFC 7616 §3.4.1); without, the RFC 2069 form RFC 3261 keeps compatible. */
  readonly qop?: { readonly nc: string; readonly cnonce: string };
}

/** The `response` value a client that knows the password computes. */
export function expectedResponse(input: DigestResponseInput): string {
  const ha2 = digestHash(input.algorithm, `${input.method}:${input.uri}`);
  const middle = input.qop === undefined ? input.nonce : `${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:auth`;
  return digestHash(input.algorithm, `${input.ha1}:${middle}:${ha2}`);
}
