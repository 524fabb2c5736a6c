// The tel: URI (RFC 3966 §3): a global number ("+" and digits with visual separators) or a local
// number, which RFC 3966 §5.1.5 says MUST carry a phone-context.

import { UriCharacterClass, expectDelimiter, hasClass } from './uri-character-class.js';
import { uriMalformed } from './uri-malformed.js';
import { caseInsensitiveValuesEqual } from './sip-uri-equals.js';
import { asciiLowerCase } from './unescape-uri-part.js';
import { scanTelParameters, withoutVisualSeparators } from './tel-uri-parameters.js';

export interface TelUri {
  readonly scheme: 'tel';
  /** The number as written, visual separators kept: "+1-201-555-0123", "7042". */
  readonly number: string;
  /** True for a global number (leading "+"). */
  readonly global: boolean;
  /** Names lower-cased; values as written, null for a parameter without "=". */
  readonly params: ReadonlyMap<string, string | null>;
}

const PLUS = 43;

/** Parses what follows "tel:"; `start` is the offset just past the colon. */
export function parseTelUriBody(text: string, start: number): TelUri {
  const part = 'tel: URI';
  const global = text.charCodeAt(start) === PLUS;
  const numberEnd = scanPhoneNumber(text, start, global, part);
  const number = text.slice(start, numberEnd);
  expectDelimiter(text, numberEnd, text.length, ';', part, 'number');
  const params = scanTelParameters(text, numberEnd, part, { allowIsdnSubaddress: true });
  if (!global && !params.has('phone-context')) {
    uriMalformed(`${part} local number "${number}" has no phone-context (RFC 3966 §5.1.5)`);
  }
  return { scheme: 'tel', number, global, params };
}

/**
 * RFC 3966 §3 global-number-digits ("+" *phonedigit DIGIT *phonedigit) or local-number-digits
 * (phonedigit-hex with at least one HEXDIG, "*" or "#"); returns the offset past the number.
 */
export function scanPhoneNumber(text: string, start: number, global: boolean, part: string): number {
  let i = global ? start + 1 : start;
  let significant = 0;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = global
      ? hasClass(code, UriCharacterClass.digit)
      : hasClass(code, UriCharacterClass.hexDigit) || code === 42 || code === 35;
    if (digit) significant++;
    else if (!hasClass(code, UriCharacterClass.visualSeparator)) break;
  }
  if (significant === 0) {
    const kind = global ? 'global number has no digit after "+"' : 'local number has no digit';
    uriMalformed(`${part} ${kind} at offset ${start}`);
  }
  return i;
}

export function formatTelUri(uri: TelUri): string {
  let out = 'tel:' + uri.number;
  for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/**
 * RFC 3966 §4: both global or both local; numbers equal without visual separators; the same set
 * of parameter names with equal values; all of it case-insensitive.
 */
export function telUriEquals(a: TelUri, b: TelUri): boolean {
  if (a.global !== b.global || a.params.size !== b.params.size) return false;
  if (comparableNumber(a.number) !== comparableNumber(b.number)) return false;
  for (const [name, value] of a.params) {
    const other = b.params.get(name);
    if (other === undefined || !telParameterValuesEqual(name, value, other)) return false;
  }
  return true;
}

function comparableNumber(number: string): string {
  return asciiLowerCase(withoutVisualSeparators(number));
}

function telParameterValuesEqual(name: string, a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  // RFC 3966 §4: a phone-context that is a number compares digit by digit; ext is phonedigits too.
  if (name === 'ext' || (name === 'phone-context' && a.charCodeAt(0) === PLUS)) {
    return comparableNumber(a) === comparableNumber(b);
  }
  return caseInsensitiveValuesEqual(a, b);
}
