// Header parameters: *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ],
// gen-value = token / host / quoted-string (RFC 3261 §25.1). White space may surround ";" and "=".

import { isTokenChar } from './char-classes.js';
import type { HeaderScanner } from './header-scanner.js';

/** Parameter names lowercased; values as written (quoted strings keep their quotes); null = flag. */
export type HeaderParams = ReadonlyMap<string, string | null>;

/** A header value without parameters: one shared map, read-only by its type (no empty map per value). */
const NO_PARAMS: HeaderParams = new Map();

/** Read parameters while a ";" comes next; stops (without consuming) at anything else. */
export function scanHeaderParams(scanner: HeaderScanner): HeaderParams {
  let params: Map<string, string | null> | undefined;
  while (scanner.accept(0x3b)) {
    const name = lowerCaseToken(scanner.token('a parameter name after ";"'));
    (params ??= new Map()).set(name, scanner.accept(0x3d) ? scanGenericValue(scanner, name) : null);
  }
  return params ?? NO_PARAMS;
}

function scanGenericValue(scanner: HeaderScanner, name: string): string {
  scanner.skipWhiteSpace();
  if (scanner.peek() === 0x22) return scanner.quotedString();
  const start = scanner.pos;
  // token characters plus ":" "[" "]", so that host values such as IPv6 addresses fit (RFC 5118 §4.5).
  while (scanner.pos < scanner.end) {
    const c = scanner.text.charCodeAt(scanner.pos);
    if (!(isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d)) break;
    scanner.pos++;
  }
  if (scanner.pos === start) scanner.fail(`parameter "${name}" has "=" but no value`);
  return scanner.text.slice(start, scanner.pos);
}

export function formatHeaderParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** Lowercase a token, without allocating when it already is (the common case on the wire). */
export function lowerCaseToken(token: string): string {
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return token.toLowerCase();
  }
  return token;
}
