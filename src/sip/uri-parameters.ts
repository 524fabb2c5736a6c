// uri-parameters and headers of SIP and SIPS URIs (RFC 3261 §19.1.1, §25.1), also used for the
// ?headers of im: and pres: URIs (RFC 3861 §3). Names are decoded so that an escaped "%6C%72"
// is the parameter lr (RFC 4475 §3.1.1.3); values keep their escapes until someone asks.

import { UriCharacterClass, expectDelimiter, scanEscaped } from './uri-character-class.js';
import { asciiLowerCase, escapeUriPart, unescapeUriPart } from './unescape-uri-part.js';
import { uriMalformed } from './uri-malformed.js';

export interface ScannedParameters {
  readonly params: ReadonlyMap<string, string | null>;
  readonly end: number;
}

export interface ScannedHeaders {
  readonly headers: Map<string, string>;
  readonly end: number;
}

/**
 * What a URI without parameters (or without headers) holds: one shared map, read-only by its type,
 * so that parsing the URIs of every relayed message allocates no empty maps.
 */
export const NO_URI_PARAMETERS: ReadonlyMap<string, never> = new Map<string, never>();

const SEMICOLON = 59;
const EQUALS = 61;
const QUESTION_MARK = 63;
const AMPERSAND = 38;

/** Scans `*( ";" pname [ "=" pvalue ] )` from `start` up to a "?" or `end`. */
export function scanUriParameters(text: string, start: number, end: number, part: string): ScannedParameters {
  let params: Map<string, string | null> | undefined;
  let i = start;
  while (i < end && text.charCodeAt(i) === SEMICOLON) {
    const nameStart = i + 1;
    const nameEnd = scanEscaped(text, nameStart, end, UriCharacterClass.param, part, 'uri-parameter name');
    if (nameEnd === nameStart) {
      expectDelimiter(text, nameStart, end, ';?=', part, 'uri-parameter name');
      uriMalformed(`${part} has an empty uri-parameter name at offset ${nameStart}`);
    }
    let value: string | null = null;
    i = nameEnd;
    if (i < end && text.charCodeAt(i) === EQUALS) {
      const valueEnd = scanEscaped(text, i + 1, end, UriCharacterClass.param, part, 'uri-parameter value');
      if (valueEnd === i + 1) {
        expectDelimiter(text, valueEnd, end, ';?', part, 'uri-parameter value');
        uriMalformed(`${part} has an empty uri-parameter value at offset ${i + 1}`);
      }
      value = text.slice(i + 1, valueEnd);
      i = valueEnd;
    }
    expectDelimiter(text, i, end, ';?', part, 'uri-parameter');
    const name = asciiLowerCase(unescapeUriPart(text.slice(nameStart, nameEnd)));
    // RFC 3261 §19.1.1: any given parameter-name MUST NOT appear more than once.
    if (params?.has(name) === true)
      uriMalformed(`${part} repeats the uri-parameter ${JSON.stringify(name)} at offset ${nameStart}`);
    (params ??= new Map()).set(name, value);
  }
  return { params: params ?? NO_URI_PARAMETERS, end: i };
}

/**
 * Scans `"?" hname "=" hvalue *( "&" hname "=" hvalue )` from the "?" at `start` to `end`. A
 * repeated header name (case-insensitively) is refused: one name maps to one value here.
 */
export function scanUriHeaders(text: string, start: number, end: number, part: string): ScannedHeaders {
  const headers = new Map<string, string>();
  let i = start;
  while (i < end && (text.charCodeAt(i) === QUESTION_MARK || text.charCodeAt(i) === AMPERSAND)) {
    const nameStart = i + 1;
    const nameEnd = scanEscaped(text, nameStart, end, UriCharacterClass.header, part, 'header name');
    if (nameEnd === nameStart) {
      expectDelimiter(text, nameStart, end, '&=', part, 'header name');
      uriMalformed(`${part} has an empty header name at offset ${nameStart}`);
    }
    if (nameEnd >= end || text.charCodeAt(nameEnd) !== EQUALS) {
      expectDelimiter(text, nameEnd, end, '', part, 'header name');
      uriMalformed(`${part} header at offset ${nameStart} has no "=" after its name`);
    }
    const valueEnd = scanEscaped(text, nameEnd + 1, end, UriCharacterClass.header, part, 'header value');
    expectDelimiter(text, valueEnd, end, '&', part, 'header value');
    const name = unescapeUriPart(text.slice(nameStart, nameEnd));
    if (findHeader(headers, name) !== undefined) {
      uriMalformed(`${part} repeats the header ${JSON.stringify(name)} at offset ${nameStart}`);
    }
    headers.set(name, text.slice(nameEnd + 1, valueEnd));
    i = valueEnd;
  }
  return { headers, end: i };
}

/** The key under which `name` is stored, compared case-insensitively (RFC 3261 §7.3.5). */
export function findHeader(headers: ReadonlyMap<string, string>, name: string): string | undefined {
  if (headers.size === 0) return undefined;
  const wanted = asciiLowerCase(name);
  for (const key of headers.keys()) if (asciiLowerCase(key) === wanted) return key;
  return undefined;
}

export function formatUriParameters(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [name, value] of params) {
    out += ';' + escapeUriPart(name, UriCharacterClass.param);
    if (value !== null) out += '=' + value;
  }
  return out;
}

export function formatUriHeaders(headers: ReadonlyMap<string, string>): string {
  let out = '';
  for (const [name, value] of headers) {
    out += (out === '' ? '?' : '&') + escapeUriPart(name, UriCharacterClass.header) + '=' + value;
  }
  return out;
}
