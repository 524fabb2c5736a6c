// The URI grammars a border proxy meets (RFC 3261 §19.1, §25.1; RFC 3966; RFC 3861; enum:), as
// one strict single-pass parser: a malformed URI is an EdgeError URI_MALFORMED naming the fault
// and its offset; anything else means a bug here. Each scheme lives in its own *-uri.ts file.

import { type AbsoluteUri, absoluteUriEquals, formatAbsoluteUri, parseAbsoluteUriBody } from './absolute-uri.js';
import { type EnumUri, enumUriEquals, formatEnumUri, parseEnumUriBody } from './enum-uri.js';
import { type ImPresUri, formatImPresUri, imPresUriEquals, parseImPresUriBody } from './im-pres-uri.js';
import { type SipUri, formatSipUri, parseSipUriBody } from './sip-uri.js';
import { sipUriEquals } from './sip-uri-equals.js';
import { type TelUri, formatTelUri, parseTelUriBody, telUriEquals } from './tel-uri.js';
import { UriCharacterClass, describeCharacter, hasClass, scanPlain } from './uri-character-class.js';
import { asciiLowerCase } from './unescape-uri-part.js';
import { uriMalformed } from './uri-malformed.js';

export type { AbsoluteUri } from './absolute-uri.js';
export type { EnumUri } from './enum-uri.js';
export type { ImPresUri } from './im-pres-uri.js';
export type { SipUri } from './sip-uri.js';
export type { TelUri } from './tel-uri.js';
export type { HostKind } from './uri-host.js';
export { unescapeUriPart } from './unescape-uri-part.js';

export type Uri = SipUri | TelUri | ImPresUri | EnumUri | AbsoluteUri;

export interface ParseUriOptions {
  /** Default true. False for a Request-URI, which must not carry ?headers (RFC 3261 §19.1.1). */
  readonly allowHeaders?: boolean;
}

export function parseUri(text: string, options?: ParseUriOptions): Uri {
  const { scheme, start } = scanScheme(text);
  const allowHeaders = options?.allowHeaders ?? true;
  switch (scheme) {
    case 'sip':
    case 'sips':
      return parseSipUriBody(text, scheme, start, { allowHeaders });
    case 'tel':
      return parseTelUriBody(text, start);
    case 'im':
    case 'pres':
      return parseImPresUriBody(text, scheme, start, { allowHeaders });
    case 'enum':
      return parseEnumUriBody(text, start);
    default:
      return parseAbsoluteUriBody(text, scheme, start);
  }
}

/** Parses a SIP or SIPS URI; any other scheme, however well-formed, is URI_MALFORMED here. */
export function parseSipUri(text: string, options?: ParseUriOptions): SipUri {
  const { scheme, start } = scanScheme(text);
  if (scheme !== 'sip' && scheme !== 'sips') uriMalformed(`expected a sip: or sips: URI, found scheme "${scheme}:"`);
  return parseSipUriBody(text, scheme, start, { allowHeaders: options?.allowHeaders ?? true });
}

/** RFC 3261 §25.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), compared case-insensitively. */
function scanScheme(text: string): { scheme: string; start: number } {
  if (typeof text !== 'string') uriMalformed(`a URI must be a string, not ${typeof text}`);
  if (text.length === 0) uriMalformed('the URI is empty');
  if (!hasClass(text.charCodeAt(0), UriCharacterClass.alpha)) {
    uriMalformed(`the URI must begin with a scheme letter, found ${describeCharacter(text, 0)} at offset 0`);
  }
  const colon = scanPlain(text, 1, text.length, UriCharacterClass.scheme);
  if (colon >= text.length) uriMalformed('the URI has no ":" after its scheme');
  if (text.charCodeAt(colon) !== 58) {
    uriMalformed(`invalid character ${describeCharacter(text, colon)} at offset ${colon} in the URI scheme`);
  }
  return { scheme: schemeName(text, colon), start: colon + 1 };
}

const INTERPRETED_SCHEMES = ['sip', 'sips', 'tel', 'im', 'pres', 'enum'] as const;

/** The interpreted schemes are matched in place (every message carries several URIs). */
function schemeName(text: string, length: number): string {
  for (const scheme of INTERPRETED_SCHEMES) {
    if (scheme.length === length && matchesIgnoringCase(text, scheme)) return scheme;
  }
  return asciiLowerCase(text.slice(0, length));
}

/** Scheme characters are letters, digits, "+", "-" and ".": OR-ing 0x20 lower-cases only letters. */
function matchesIgnoringCase(text: string, lowerCaseName: string): boolean {
  for (let i = 0; i < lowerCaseName.length; i++) {
    if ((text.charCodeAt(i) | 0x20) !== lowerCaseName.charCodeAt(i)) return false;
  }
  return true;
}

/** The canonical text: lower-case scheme, components as stored, parameters in their order. */
export function formatUri(uri: Uri): string {
  if (isSipUri(uri)) return formatSipUri(uri);
  if (isTelUri(uri)) return formatTelUri(uri);
  if (isImPresUri(uri)) return formatImPresUri(uri);
  if (isEnumUri(uri)) return formatEnumUri(uri);
  return formatAbsoluteUri(uri);
}

/**
 * URI equivalence: RFC 3261 §19.1.4 for sip and sips, RFC 3966 §4 for tel, the number alone for
 * enum, scheme and exact opaque text for the schemes kept opaque. Different kinds never match.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (isSipUri(a)) return isSipUri(b) && sipUriEquals(a, b);
  if (isTelUri(a)) return isTelUri(b) && telUriEquals(a, b);
  if (isImPresUri(a)) return isImPresUri(b) && imPresUriEquals(a, b);
  if (isEnumUri(a)) return isEnumUri(b) && enumUriEquals(a, b);
  return isAbsoluteUri(b) && absoluteUriEquals(a, b);
}

export function isSipUri(u: Uri): u is SipUri {
  return (u.scheme === 'sip' || u.scheme === 'sips') && 'port' in u;
}

export function isTelUri(u: Uri): u is TelUri {
  return u.scheme === 'tel' && 'global' in u;
}

export function isImPresUri(u: Uri): u is ImPresUri {
  return (u.scheme === 'im' || u.scheme === 'pres') && 'hostKind' in u;
}

export function isEnumUri(u: Uri): u is EnumUri {
  return u.scheme === 'enum' && 'number' in u;
}

export function isAbsoluteUri(u: Uri): u is AbsoluteUri {
  return 'opaque' in u;
}
