// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39, §25.1): the grammar of
// From, To, Contact, Route, Record-Route, Reply-To and P-Asserted-Identity values.

import { isEdgeError } from '../errors.js';
import { isLinearWhiteSpace, isTokenChar } from './char-classes.js';
import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';
import { parseUri, type Uri } from './uri.js';

export interface NameAddr {
  /** The display name as written (a quoted string keeps its quotes); undefined when absent. */
  readonly displayName: string | undefined;
  readonly uri: Uri;
  /** The URI text exactly as it appeared. */
  readonly uriText: string;
  readonly params: HeaderParams;
  readonly tag: string | undefined;
  /** Whether the URI was enclosed in angle brackets. */
  readonly bracketed: boolean;
}

export function parseNameAddr(value: string, header: string): NameAddr {
  const scanner = new HeaderScanner(header, value);
  const nameAddr = scanNameAddr(scanner);
  scanner.expectEnd();
  return nameAddr;
}

/** Scan one name-addr or addr-spec followed by its parameters. */
export function scanNameAddr(scanner: HeaderScanner): NameAddr {
  scanner.skipWhiteSpace();
  let displayName: string | undefined;
  if (scanner.peek() === 0x22) {
    displayName = scanner.quotedString();
    scanner.skipWhiteSpace();
    if (scanner.peek() !== 0x3c) scanner.fail('a quoted display name must be followed by "<"');
  } else {
    displayName = scanTokenDisplayName(scanner);
  }
  const bracketed = scanner.peek() === 0x3c;
  const uriText = bracketed ? scanBracketedUri(scanner) : scanAddrSpec(scanner);
  const uri = parseUriOrFail(scanner, uriText, bracketed);
  const params = scanHeaderParams(scanner);
  return { displayName, uri, uriText, params, tag: params.get('tag') ?? undefined, bracketed };
}

/** *(token LWS) before "<"; returns undefined and rewinds when no "<" follows (addr-spec form). */
function scanTokenDisplayName(scanner: HeaderScanner): string | undefined {
  const start = scanner.pos;
  for (;;) {
    while (scanner.pos < scanner.end && isTokenChar(scanner.text.charCodeAt(scanner.pos))) scanner.pos++;
    const end = scanner.pos;
    while (scanner.pos < scanner.end && isLinearWhiteSpace(scanner.text.charCodeAt(scanner.pos))) scanner.pos++;
    const next = scanner.peek();
    if (next === 0x3c) return end === start ? undefined : scanner.text.slice(start, end);
    if (!isTokenChar(next) || end === scanner.pos) break;
  }
  scanner.pos = start;
  return undefined;
}

function scanBracketedUri(scanner: HeaderScanner): string {
  const start = ++scanner.pos;
  const close = scanner.text.indexOf('>', start);
  if (close === -1 || close >= scanner.end) scanner.fail('"<" without a closing ">"');
  scanner.pos = close + 1;
  return scanner.text.slice(start, close);
}

/** addr-spec form: the URI ends at white space or ";" (what follows are header parameters). */
function scanAddrSpec(scanner: HeaderScanner): string {
  const start = scanner.pos;
  while (scanner.pos < scanner.end) {
    const c = scanner.text.charCodeAt(scanner.pos);
    if (c === 0x3b || c === 0x2c || isLinearWhiteSpace(c)) break;
    scanner.pos++;
  }
  if (scanner.pos === start) scanner.fail('expected a URI');
  return scanner.text.slice(start, scanner.pos);
}

function parseUriOrFail(scanner: HeaderScanner, uriText: string, bracketed: boolean): Uri {
  try {
    // RFC 3261 §20: a URI with headers (or parameters) must be bracketed to carry them.
    return parseUri(uriText, { allowHeaders: bracketed });
  } catch (error) {
    if (isEdgeError(error)) scanner.fail(`URI "${uriText.slice(0, 60)}": ${error.message}`);
    throw error;
  }
}
