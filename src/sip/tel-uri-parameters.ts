// The ;par list of a tel: URI (RFC 3966 §3), shared with enum: (draft-brandner-enum-uri §2, a
// global-number-part without isdn-subaddress). Names are lower-cased; values kept as written.

import { UriCharacterClass, expectDelimiter, hasClass, scanEscaped, scanPlain } from './uri-character-class.js';
import { asciiLowerCase } from './unescape-uri-part.js';
import { checkDomainName } from './uri-host.js';
import { uriMalformed } from './uri-malformed.js';

export interface TelParameterRules {
  /** enum: excludes the isdn-subaddress (draft-brandner-enum-uri §2). */
  readonly allowIsdnSubaddress: boolean;
}

const SEMICOLON = 59;
const EQUALS = 61;

/** Scans `*( ";" pname [ "=" pvalue ] )` from `start` to the end of `text`. */
export function scanTelParameters(
  text: string,
  start: number,
  part: string,
  rules: TelParameterRules,
): Map<string, string | null> {
  const params = new Map<string, string | null>();
  const end = text.length;
  let i = start;
  while (i < end) {
    if (text.charCodeAt(i) !== SEMICOLON) expectDelimiter(text, i, end, '', part);
    const nameStart = i + 1;
    const nameEnd = scanPlain(text, nameStart, end, UriCharacterClass.telParameterName);
    if (nameEnd === nameStart) {
      expectDelimiter(text, nameStart, end, ';=', part, 'parameter name');
      uriMalformed(`${part} has an empty parameter name at offset ${nameStart}`);
    }
    const name = asciiLowerCase(text.slice(nameStart, nameEnd));
    let value: string | null = null;
    i = nameEnd;
    if (i < end && text.charCodeAt(i) === EQUALS) {
      const mask = name === 'isub' ? UriCharacterClass.isdnSubaddress : UriCharacterClass.param;
      const valueEnd = scanEscaped(text, i + 1, end, mask, part, 'parameter');
      if (valueEnd === i + 1) {
        expectDelimiter(text, valueEnd, end, ';', part, 'parameter');
        uriMalformed(`${part} has an empty value for "${name}" at offset ${i + 1}`);
      }
      value = text.slice(i + 1, valueEnd);
      i = valueEnd;
    }
    expectDelimiter(text, i, end, ';', part, 'parameter');
    checkKnownParameter(name, value, nameStart, part, rules);
    // RFC 3966 §3: each pname, isdn-subaddress, extension and context appears at most once.
    if (params.has(name)) uriMalformed(`${part} repeats the parameter "${name}" at offset ${nameStart}`);
    params.set(name, value);
  }
  return params;
}

/** RFC 3966 §3 isdn-subaddress, extension and context carry values of their own grammar. */
function checkKnownParameter(
  name: string,
  value: string | null,
  offset: number,
  part: string,
  rules: TelParameterRules,
): void {
  if (name !== 'ext' && name !== 'isub' && name !== 'phone-context') return;
  if (value === null) uriMalformed(`${part} parameter "${name}" at offset ${offset} needs a value`);
  if (name === 'isub' && !rules.allowIsdnSubaddress) {
    uriMalformed(`${part} must not carry an isdn-subaddress (offset ${offset})`);
  }
  if (name === 'ext' && !isPhoneDigits(value, 0)) {
    uriMalformed(`${part} extension at offset ${offset} must be digits and visual separators`);
  }
  if (name === 'phone-context') checkPhoneContext(value, offset + name.length + 1, part);
}

/** RFC 3966 §3 descriptor: a domainname, or global-number-digits ("+" and at least one digit). */
function checkPhoneContext(value: string, offset: number, part: string): void {
  if (value.charCodeAt(0) === 43) {
    if (!isPhoneDigits(value, 1)) {
      uriMalformed(`${part} phone-context at offset ${offset} is not a global number ("+" then digits)`);
    }
    return;
  }
  checkDomainName(value, 0, value.length, `${part} phone-context (offset ${offset})`);
}

/** RFC 3966 §3 `*phonedigit DIGIT *phonedigit` over value[from..]: digits and visual separators. */
export function isPhoneDigits(value: string, from: number): boolean {
  let digits = 0;
  for (let i = from; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (hasClass(code, UriCharacterClass.digit)) digits++;
    else if (!hasClass(code, UriCharacterClass.visualSeparator)) return false;
  }
  return digits > 0;
}

/** The number with every RFC 3966 §3 visual-separator removed, as RFC 3966 §4 compares it. */
export function withoutVisualSeparators(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    if (!hasClass(value.charCodeAt(i), UriCharacterClass.visualSeparator)) out += value.charAt(i);
  }
  return out;
}
