// RFC 3261 §19.1.4 comparison of SIP and SIPS URIs: userinfo case-sensitive, everything else
// case-insensitive, an escape equal to its character unless the character is reserved.

import type { SipUri } from './sip-uri.js';
import { asciiLowerCase, comparableEscapes } from './unescape-uri-part.js';
import { hostsEqual } from './uri-host.js';
import { findHeader } from './uri-parameters.js';

// RFC 3261 §19.1.4: these never match a URI that lacks them, even when they hold the default.
const PARAMETERS_THAT_MUST_MATCH: ReadonlySet<string> = new Set(['user', 'ttl', 'method', 'maddr', 'transport']);

export function sipUriEquals(a: SipUri, b: SipUri): boolean {
  return (
    a.scheme === b.scheme &&
    userinfoEquals(a.user, b.user) &&
    userinfoEquals(a.password, b.password) &&
    hostsEqual(a.host, a.hostKind, b.host, b.hostKind) &&
    a.port === b.port &&
    uriParametersEqual(a.params, b.params) &&
    uriHeadersEqual(a.headers, b.headers)
  );
}

/** RFC 3261 §19.1.4: userinfo is compared case-sensitively, and present on both sides or neither. */
export function userinfoEquals(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  return a !== undefined && b !== undefined && comparableEscapes(a) === comparableEscapes(b);
}

/** Parameters in both must match; user, ttl, method, maddr and transport also when in only one. */
function uriParametersEqual(a: ReadonlyMap<string, string | null>, b: ReadonlyMap<string, string | null>): boolean {
  for (const [name, value] of a) {
    const other = b.get(name);
    if (other === undefined) {
      if (PARAMETERS_THAT_MUST_MATCH.has(name)) return false;
    } else if (!caseInsensitiveValuesEqual(value, other)) {
      return false;
    }
  }
  for (const name of b.keys()) {
    if (!a.has(name) && PARAMETERS_THAT_MUST_MATCH.has(name)) return false;
  }
  return true;
}

export function caseInsensitiveValuesEqual(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return asciiLowerCase(comparableEscapes(a)) === asciiLowerCase(comparableEscapes(b));
}

/**
 * RFC 3261 §19.1.4: headers are never ignored; each must be in both and match. Names compare
 * case-insensitively; values, whose rules §20 sets per header, compare exactly after escapes.
 */
export function uriHeadersEqual(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    const key = findHeader(b, name);
    if (key === undefined) return false;
    if (comparableEscapes(value) !== comparableEscapes(b.get(key) ?? '')) return false;
  }
  return true;
}
