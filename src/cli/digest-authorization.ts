// The client half of SIP digest (RFC 3261 §22.4, RFC 7616 §3.4): read a registrar's
// WWW-Authenticate challenge and answer it with an Authorization value, for the demo's user agents.

import { randomBytes } from 'node:crypto';
import { expectedResponse, ha1, namedAlgorithm } from '../community/digest-algorithm.js';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly algorithm: string | undefined;
  readonly opaque: string | undefined;
  /** The qop options offered, lowercased; empty for an RFC 2069 challenge. */
  readonly qop: readonly string[];
}

const PARAM = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;

/** The challenge of one WWW-Authenticate value, or undefined when it is not Digest or lacks realm or nonce. */
export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const scheme = /^\s*Digest\s+/i.exec(value);
  if (scheme === null) return undefined;
  const params = new Map<string, string>();
  PARAM.lastIndex = scheme[0].length;
  while (PARAM.lastIndex < value.length) {
    const param = PARAM.exec(value);
    if (param === null) return undefined;
    params.set(param[1]!.toLowerCase(), param[2] === undefined ? param[3]! : param[2].replace(/\\(.)/g, '$1'));
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const qop = (params.get('qop') ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q) => q !== '');
  return { realm, nonce, algorithm: params.get('algorithm'), opaque: params.get('opaque'), qop };
}

export interface AuthorizationInput {
  readonly challenge: DigestChallenge;
  readonly username: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
}

/** The Authorization value answering the challenge; qop=auth when offered (nc 1: one use per nonce). */
export function digestAuthorization(input: AuthorizationInput): string {
  const { challenge, username, password, method, uri } = input;
  const algorithm = namedAlgorithm(challenge.algorithm);
  if (algorithm === undefined) throw new Error(`digest algorithm ${challenge.algorithm ?? ''} is not supported`);
  const qop = challenge.qop.includes('auth') ? { nc: '00000001', cnonce: randomBytes(8).toString('hex') } : undefined;
  const response = expectedResponse({
    algorithm,
    ha1: ha1(algorithm, username, challenge.realm, password),
    method,
    uri,
    nonce: challenge.nonce,
    ...(qop === undefined ? {} : { qop }),
  });
  const params = [
    `username="${username}"`,
    `realm="${challenge.realm}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${uri}"`,
    `response="${response}"`,
    `algorithm=${algorithm}`,
    ...(challenge.opaque === undefined ? [] : [`opaque="${challenge.opaque}"`]),
    ...(qop === undefined ? [] : ['qop=auth', `nc=${qop.nc}`, `cnonce="${qop.cnonce}"`]),
  ];
  return `Digest ${params.join(', ')}`;
}
