// The enum: URI (draft-brandner-enum-uri-01 §2): "enum:" and a tel: global-number-part, without
// local numbers or isdn-subaddress. Its number is the ENUM query key, so it is kept as "+" digits.

import { expectDelimiter } from './uri-character-class.js';
import { uriMalformed } from './uri-malformed.js';
import { scanTelParameters, withoutVisualSeparators } from './tel-uri-parameters.js';
import { scanPhoneNumber } from './tel-uri.js';

export interface EnumUri {
  readonly scheme: 'enum';
  /** "+" and the digits, visual separators removed: "+4311234567890". */
  readonly number: string;
  /** Names lower-cased; values as written. The draft (§3.1) says a client SHOULD ignore them. */
  readonly params: ReadonlyMap<string, string | null>;
}

/** Parses what follows "enum:"; `start` is the offset just past the colon. */
export function parseEnumUriBody(text: string, start: number): EnumUri {
  const part = 'enum: URI';
  if (text.charCodeAt(start) !== 43) {
    uriMalformed(`${part} must hold a global number beginning with "+" at offset ${start}`);
  }
  const numberEnd = scanPhoneNumber(text, start, true, part);
  expectDelimiter(text, numberEnd, text.length, ';', part, 'number');
  const params = scanTelParameters(text, numberEnd, part, { allowIsdnSubaddress: false });
  return { scheme: 'enum', number: withoutVisualSeparators(text.slice(start, numberEnd)), params };
}

export function formatEnumUri(uri: EnumUri): string {
  let out = 'enum:' + uri.number;
  for (const [name, value] of uri.params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

/** The draft (§3, §3.1) makes the number the whole of an enum: URI's meaning: params are ignored. */
export function enumUriEquals(a: EnumUri, b: EnumUri): boolean {
  return a.number === b.number;
}
