// SIP-URI and SIPS-URI (RFC 3261 §19.1.1, ABNF in §25.1): userinfo, hostport, uri-parameters and
// headers. Every component keeps its text as written, escapes included; unescapeUriPart decodes.

import { UriCharacterClass, describeCharacter, expectDelimiter, hasClass, scanEscaped } from './uri-character-class.js';
import { type HostKind, scanUriHost } from './uri-host.js';
import { uriMalformed } from './uri-malformed.js';
import {
  formatUriHeaders,
  formatUriParameters,
  NO_URI_PARAMETERS,
  scanUriHeaders,
  scanUriParameters,
} from './uri-parameters.js';

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** The user as written, escapes kept ("sips%3Auser%40example.com"). */
  readonly user: string | undefined;
  /** The password as written; "" for "user:@host", undefined when there is no ":". */
  readonly password: string | undefined;
  /** The host as written; an IPv6 reference keeps its brackets ("[2001:db8::10]"). */
  readonly host: string;
  readonly hostKind: HostKind;
  readonly port: number | undefined;
  /** Names decoded and lower-cased; values as written, null for a flag such as ;lr. */
  readonly params: ReadonlyMap<string, string | null>;
  /** Names decoded with their case kept; values as written. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface SipUriBodyOptions {
  readonly allowHeaders: boolean;
}

const COLON = 58;
const SEMICOLON = 59;
const QUESTION_MARK = 63;
const MAX_PORT = 65535;

/** Parses what follows "sip:" or "sips:"; `start` is the offset just past the colon. */
export function parseSipUriBody(
  text: string,
  scheme: 'sip' | 'sips',
  start: number,
  options: SipUriBodyOptions,
): SipUri {
  const part = scheme === 'sip' ? 'sip: URI' : 'sips: URI';
  const end = text.length;
  // RFC 3261 §25.1: no character after the userinfo may be "@", so the first "@" ends it.
  const at = text.indexOf('@', start);
  const { user, password } = at < 0 ? NO_USERINFO : scanUserinfo(text, start, at, part);
  const { host, hostKind, end: hostEnd } = scanUriHost(text, at < 0 ? start : at + 1, end, part);
  let i = hostEnd;
  let port: number | undefined;
  if (i < end && text.charCodeAt(i) === COLON) {
    i = scanPort(text, i + 1, end, part, hostKind);
    port = decimalValue(text, hostEnd + 1, i);
  }
  expectDelimiter(text, i, end, ';?', part, 'hostport');
  const scannedParams = scanUriParameters(text, i, end, part);
  i = scannedParams.end;
  let headers: ReadonlyMap<string, string> = NO_URI_PARAMETERS;
  if (i < end && text.charCodeAt(i) === QUESTION_MARK) {
    // RFC 3261 §19.1.1 (the table of where components may appear); RFC 4475 §3.1.2.11.
    if (!options.allowHeaders) uriMalformed(`${part} has headers at offset ${i}, which a Request-URI must not carry`);
    headers = scanUriHeaders(text, i, end, part).headers;
  }
  return { scheme, user, password, host, hostKind, port, params: scannedParams.params, headers };
}

interface Userinfo {
  readonly user: string | undefined;
  readonly password: string | undefined;
}

const NO_USERINFO: Userinfo = Object.freeze({ user: undefined, password: undefined });

function scanUserinfo(text: string, start: number, at: number, part: string): Userinfo {
  const userEnd = scanEscaped(text, start, at, UriCharacterClass.user, part, 'user part');
  if (userEnd === start) {
    if (start === at || text.charCodeAt(start) === COLON)
      uriMalformed(`${part} has an empty user part at offset ${start}`);
    uriMalformed(`invalid character ${describeCharacter(text, start)} at offset ${start} in ${part} user part`);
  }
  if (userEnd === at) return { user: text.slice(start, at), password: undefined };
  expectDelimiter(text, userEnd, at, ':', part, 'user part');
  const passwordEnd = scanEscaped(text, userEnd + 1, at, UriCharacterClass.password, part, 'password');
  expectDelimiter(text, passwordEnd, at, '', part, 'password');
  return { user: text.slice(start, userEnd), password: text.slice(userEnd + 1, at) };
}

/** RFC 3261 §25.1 port = 1*DIGIT; a UDP/TCP port is at most 65535. Returns the offset past it. */
function scanPort(text: string, start: number, end: number, part: string, hostKind: HostKind): number {
  let i = start;
  let port = 0;
  while (i < end && hasClass(text.charCodeAt(i), UriCharacterClass.digit)) {
    port = port * 10 + (text.charCodeAt(i) - 48);
    if (port > MAX_PORT) uriMalformed(`${part} port at offset ${start} is out of range 0-${MAX_PORT}`);
    i++;
  }
  if (i < end && text.charCodeAt(i) === COLON && hostKind !== 'ipv6') {
    // RFC 5118 §4.2: an unbracketed IPv6 address reads as host "2001" with a malformed port.
    uriMalformed(`${part} has a second ":" at offset ${i}; an IPv6 address must be enclosed in "[" "]"`);
  }
  if (i === start) {
    if (i >= end || text.charCodeAt(i) === SEMICOLON || text.charCodeAt(i) === QUESTION_MARK) {
      uriMalformed(`${part} has an empty port at offset ${start}`);
    }
    uriMalformed(`${part} port at offset ${start} is not a number: found ${describeCharacter(text, start)}`);
  }
  return i;
}

function decimalValue(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}

export function formatSipUri(uri: SipUri): string {
  let out = uri.scheme + ':';
  if (uri.user !== undefined) {
    out += uri.user;
    if (uri.password !== undefined) out += ':' + uri.password;
    out += '@';
  }
  out += uri.host;
  if (uri.port !== undefined) out += ':' + String(uri.port);
  return out + formatUriParameters(uri.params) + formatUriHeaders(uri.headers);
}
