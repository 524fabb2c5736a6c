// RFC 3261 §25.1 absoluteURI, for every scheme this edge does not interpret (http:, isbn:,
// soap.beep:, RFC 4475 §3.3.2's nobodyKnowsThisScheme:): kept opaque, checked only for its
// characters so that a 416 rather than a 400 answers it (RFC 4475 §3.3.2, §3.3.3).

import { UriCharacterClass, expectDelimiter, scanEscaped } from './uri-character-class.js';
import { uriMalformed } from './uri-malformed.js';

export interface AbsoluteUri {
  /** Lower-cased. */
  readonly scheme: string;
  /** Everything after the colon, as written. */
  readonly opaque: string;
}

/** Parses what follows "<scheme>:"; `start` is the offset just past the colon. */
export function parseAbsoluteUriBody(text: string, scheme: string, start: number): AbsoluteUri {
  const part = `${scheme}: URI`;
  if (start >= text.length) uriMalformed(`${part} is empty after the scheme`);
  // RFC 3261 §25.1 hier-part / opaque-part: uric (RFC 2396 §2) and escapes; RFC 2732 adds "[" "]".
  const stop = scanEscaped(text, start, text.length, UriCharacterClass.uric, part);
  expectDelimiter(text, stop, text.length, '', part);
  return { scheme, opaque: text.slice(start) };
}

export function formatAbsoluteUri(uri: AbsoluteUri): string {
  return `${uri.scheme}:${uri.opaque}`;
}

export function absoluteUriEquals(a: AbsoluteUri, b: AbsoluteUri): boolean {
  return a.scheme === b.scheme && a.opaque === b.opaque;
}
