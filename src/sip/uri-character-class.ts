// Character classes of the URI grammars as bit masks over one precomputed ASCII table, so a scan
// is a table lookup per character and nothing is compiled per call. Code points of 128 and above
// belong to no class: every URI grammar here is ASCII-only (RFC 3261 §25.1, RFC 3966 §3).

import { uriMalformed } from './uri-malformed.js';

export const UriCharacterClass = {
  alpha: 1 << 0,
  digit: 1 << 1,
  hexDigit: 1 << 2,
  /** RFC 3261 §25.1 user: unreserved / user-unreserved ("&=+$,;?/"); escapes handled apart. */
  user: 1 << 4,
  /** RFC 3261 §25.1 password: unreserved / "&=+$,". */
  password: 1 << 5,
  /** RFC 3261 §25.1 paramchar: param-unreserved ("[]/:&+$") / unreserved. */
  param: 1 << 6,
  /** RFC 3261 §25.1 hname and hvalue: hnv-unreserved ("[]/?:+$") / unreserved. */
  header: 1 << 7,
  /** RFC 3261 §25.1 scheme characters after the leading ALPHA. */
  scheme: 1 << 8,
  /** RFC 2396 uric plus the RFC 2732 brackets: what an absoluteURI may hold besides escapes. */
  uric: 1 << 9,
  /** RFC 3966 §3 pname: alphanum / "-". */
  telParameterName: 1 << 10,
  /** RFC 3966 §3 visual-separator: "-" / "." / "(" / ")". */
  visualSeparator: 1 << 11,
  /** RFC 2822 atext that may stand unescaped in a URI (RFC 3861 §3, via the mailto rules). */
  mailboxLocal: 1 << 12,
  /** RFC 2396 reserved: escapes of these are not equivalent to the character (RFC 3261 §19.1.4). */
  reserved: 1 << 13,
  /** RFC 3261 §25.1 hostname and IPv4address characters: alphanum / "-" / ".". */
  hostname: 1 << 14,
  /** RFC 3966 §3 isdn-subaddress value: uric, less the ";" that ends the parameter. */
  isdnSubaddress: 1 << 15,
} as const;

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MARK = "-_.!~*'()";

function buildTable(): Uint16Array {
  const table = new Uint16Array(128);
  const add = (chars: string, mask: number): void => {
    for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)]! |= mask;
  };
  const c = UriCharacterClass;
  add('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', c.alpha);
  add('0123456789', c.digit);
  add('0123456789ABCDEFabcdef', c.hexDigit);
  // RFC 3261 §25.1 unreserved (alphanum / mark) belongs to every escaped-text class.
  add(ALPHANUM + MARK, c.user | c.password | c.param | c.header | c.uric);
  add('&=+$,;?/', c.user);
  add('&=+$,', c.password);
  add('[]/:&+$', c.param);
  add('[]/?:+$', c.header);
  add(ALPHANUM + '+-.', c.scheme);
  add(';/?:@&=+$,[]', c.uric);
  add(ALPHANUM + '-', c.telParameterName);
  add('-.()', c.visualSeparator);
  add(ALPHANUM + "!$&'*+-/=_~.", c.mailboxLocal);
  add(';/?:@&=+$,', c.reserved);
  add(ALPHANUM + '-.', c.hostname);
  add(ALPHANUM + MARK + '/?:@&=+$,[]', c.isdnSubaddress);
  return table;
}

const TABLE = buildTable();

export function hasClass(code: number, mask: number): boolean {
  return ((TABLE[code] ?? 0) & mask) !== 0;
}

export function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** A character as an error message should show it: printable ASCII quoted, anything else as U+XXXX. */
export function describeCharacter(text: string, index: number): string {
  const code = text.charCodeAt(index);
  if (code === 32) return 'SP';
  if (code > 32 && code < 127) return `"${text[index] ?? ''}"`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Advances over characters of `mask` and well-formed "%" HEX HEX escapes from `start`, stopping
 * at `end` or the first other character; returns where it stopped. RFC 3261 §25.1 escaped.
 * `part` and `component` name the place in an error; they are joined only when one is thrown.
 */
export function scanEscaped(
  text: string,
  start: number,
  end: number,
  mask: number,
  part: string,
  component = '',
): number {
  let i = start;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (((TABLE[code] ?? 0) & mask) !== 0) {
      i++;
    } else if (code === 37) {
      if (!isEscapeAt(text, i, end)) badEscape(text, i, end, component === '' ? part : `${part} ${component}`);
      i += 3;
    } else {
      break;
    }
  }
  return i;
}

/** Advances over characters of `mask` only (no escapes) from `start` up to `end`. */
export function scanPlain(text: string, start: number, end: number, mask: number): number {
  let i = start;
  while (i < end && ((TABLE[text.charCodeAt(i)] ?? 0) & mask) !== 0) i++;
  return i;
}

function isEscapeAt(text: string, index: number, end: number): boolean {
  return index + 2 < end && hexValue(text.charCodeAt(index + 1)) >= 0 && hexValue(text.charCodeAt(index + 2)) >= 0;
}

function badEscape(text: string, index: number, end: number, where: string): never {
  const shown = text.slice(index, Math.min(index + 3, end));
  return uriMalformed(
    `bad escape ${JSON.stringify(shown)} at offset ${index} in ${where}: "%" must be followed by two hex digits`,
  );
}

/** Throws URI_MALFORMED unless a well-formed "%" HEX HEX starts at `index`. */
export function checkEscape(text: string, index: number, end: number, where: string): void {
  if (!isEscapeAt(text, index, end)) badEscape(text, index, end, where);
}

/** Throws unless `stop` is the end of the text or one of `delimiters`; names the offending character. */
export function expectDelimiter(
  text: string,
  stop: number,
  end: number,
  delimiters: string,
  part: string,
  component = '',
): void {
  if (stop >= end) return;
  const character = text.charAt(stop);
  if (character !== '' && delimiters.includes(character)) return;
  const where = component === '' ? part : `${part} ${component}`;
  uriMalformed(`invalid character ${describeCharacter(text, stop)} at offset ${stop} in ${where}`);
}
