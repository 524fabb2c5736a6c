// "%" HEX HEX escapes (RFC 3261 §25.1 escaped, RFC 3986 §2.1): decoding on demand, re-escaping
// for serialisation, and the escape-folding that RFC 3261 §19.1.4 comparison needs.

import { TextDecoder, TextEncoder } from 'node:util';
import { UriCharacterClass, checkEscape, hasClass, hexValue } from './uri-character-class.js';
import { uriMalformed } from './uri-malformed.js';

// Fatal: octets that are not UTF-8 have no faithful string form, so decoding them is an error.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const HEX = '0123456789ABCDEF';
const UPPER_CASE_RUN = /[A-Z]+/g;

/**
 * Decodes every "%" HEX HEX in `s` and reads the octets as UTF-8. Throws URI_MALFORMED on a
 * "%" not followed by two hex digits, or on escaped octets that are not UTF-8.
 */
export function unescapeUriPart(s: string): string {
  let percent = s.indexOf('%');
  if (percent < 0) return s;
  let out = s.slice(0, percent);
  while (percent >= 0) {
    const octets: number[] = [];
    let i = percent;
    while (i < s.length && s.charCodeAt(i) === 37) {
      checkEscape(s, i, s.length, 'escaped text');
      octets.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 3;
    }
    out += decodeOctets(octets, percent);
    percent = s.indexOf('%', i);
    out += s.slice(i, percent < 0 ? s.length : percent);
  }
  return out;
}

function decodeOctets(octets: number[], offset: number): string {
  try {
    return utf8.decode(Uint8Array.from(octets));
  } catch {
    return uriMalformed(`escaped octets at offset ${offset} are not UTF-8`);
  }
}

/** Escapes every character of `s` outside `mask` (and every "%") as UTF-8 "%" HEX HEX. */
export function escapeUriPart(s: string, mask: number): string {
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code !== 37 && hasClass(code, mask)) continue;
    out += s.slice(plainFrom, i);
    const isPair = code >= 0xd800 && code <= 0xdbff && i + 1 < s.length;
    const character = isPair ? s.slice(i, i + 2) : s.charAt(i);
    for (const octet of utf8Encoder.encode(character)) out += '%' + HEX[octet >> 4] + HEX[octet & 15];
    if (isPair) i++;
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? s : out + s.slice(plainFrom);
}

/**
 * The form two URI components are compared in (RFC 3261 §19.1.4): an escaped octet is replaced by
 * the octet unless it is reserved or "%", which stay escaped with upper-case hex so that "%3B"
 * never equals ";" and "%253B" never equals "%3B". Expects escapes already validated by the parser.
 */
export function comparableEscapes(s: string): string {
  let percent = s.indexOf('%');
  if (percent < 0) return s;
  let out = '';
  let plainFrom = 0;
  while (percent >= 0 && percent + 2 < s.length) {
    const octet = hexValue(s.charCodeAt(percent + 1)) * 16 + hexValue(s.charCodeAt(percent + 2));
    out += s.slice(plainFrom, percent);
    out +=
      octet === 37 || hasClass(octet, UriCharacterClass.reserved)
        ? '%' + HEX[octet >> 4] + HEX[octet & 15]
        : String.fromCharCode(octet);
    plainFrom = percent + 3;
    percent = s.indexOf('%', plainFrom);
  }
  return out + s.slice(plainFrom);
}

/** Lower-cases A-Z only; case-insensitive URI comparison is about ASCII, never about octets ≥ 0x80. */
export function asciiLowerCase(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0x80) return s.replace(UPPER_CASE_RUN, (run) => run.toLowerCase());
    if (code >= 65 && code <= 90) upper = true;
  }
  return upper ? s.toLowerCase() : s;
}
