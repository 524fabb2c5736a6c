// The Authorization header of a REGISTER (RFC 3261 §25.1 credentials, RFC 7616 §3.4): the scheme
// `Digest` and comma-separated auth-params, values a token or a quoted string.

export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: string | undefined;
  readonly qop: string | undefined;
  readonly nc: string | undefined;
  readonly cnonce: string | undefined;
}

const PARAM = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))\s*(?:,|$)/y;

/** Parsed credentials, or undefined when the value is not Digest or lacks a mandatory parameter. */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const match = /^\s*Digest\s+/i.exec(value);
  if (match === null) return undefined;
  const params = new Map<string, string>();
  PARAM.lastIndex = match[0].length;
  while (PARAM.lastIndex < value.length) {
    const param = PARAM.exec(value);
    if (param === null) return undefined;
    params.set(param[1]!.toLowerCase(), param[2] === undefined ? param[3]! : param[2].replace(/\\(.)/g, '$1'));
  }
  const [username, realm, nonce, uri, response] = ['username', 'realm', 'nonce', 'uri', 'response'].map((name) =>
    params.get(name),
  );
  if (
    username === undefined ||
    realm === undefined ||
    nonce === undefined ||
    uri === undefined ||
    response === undefined
  )
    return undefined;
  return {
    username,
    realm,
    nonce,
    uri,
    response: response.toLowerCase(),
    algorithm: params.get('algorithm'),
    qop: params.get('qop')?.toLowerCase(),
    nc: params.get('nc'),
    cnonce: params.get('cnonce'),
  };
}
