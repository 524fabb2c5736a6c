// The im: and pres: URIs (RFC 3861 §3): "im:" / "pres:", a mailbox (RFC 2822 addr-spec, escaped
// as in a mailto: URI) and optional ?headers. The host grammar is the SIP one (RFC 3261 §25.1).

import { UriCharacterClass, expectDelimiter, scanEscaped } from './uri-character-class.js';
import { type HostKind, hostsEqual, scanUriHost } from './uri-host.js';
import { uriMalformed } from './uri-malformed.js';
import { formatUriHeaders, NO_URI_PARAMETERS, scanUriHeaders } from './uri-parameters.js';
import { uriHeadersEqual, userinfoEquals } from './sip-uri-equals.js';

export interface ImPresUri {
  readonly scheme: 'im' | 'pres';
  /** The mailbox local part as written, escapes kept; undefined for "im:example.com". */
  readonly user: string | undefined;
  readonly host: string;
  readonly hostKind: HostKind;
  /** Names decoded with their case kept; values as written. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface ImPresUriBodyOptions {
  readonly allowHeaders: boolean;
}

/** Parses what follows "im:" or "pres:"; `start` is the offset just past the colon. */
export function parseImPresUriBody(
  text: string,
  scheme: 'im' | 'pres',
  start: number,
  options: ImPresUriBodyOptions,
): ImPresUri {
  const part = scheme === 'im' ? 'im: URI' : 'pres: URI';
  const end = text.length;
  const at = text.indexOf('@', start);
  const user = at < 0 ? undefined : scanLocalPart(text, start, at, part);
  const { host, hostKind, end: hostEnd } = scanUriHost(text, at < 0 ? start : at + 1, end, part);
  expectDelimiter(text, hostEnd, end, '?', part, 'host');
  let headers: ReadonlyMap<string, string> = NO_URI_PARAMETERS;
  if (hostEnd < end) {
    if (!options.allowHeaders)
      uriMalformed(`${part} has headers at offset ${hostEnd}, which a Request-URI must not carry`);
    headers = scanUriHeaders(text, hostEnd, end, part).headers;
  }
  return { scheme, user, host, hostKind, headers };
}

/** RFC 2822 §3.4.1 dot-atom local part: atext runs joined by single dots. */
function scanLocalPart(text: string, start: number, at: number, part: string): string {
  const stop = scanEscaped(text, start, at, UriCharacterClass.mailboxLocal, part, 'mailbox');
  expectDelimiter(text, stop, at, '', part, 'mailbox');
  if (start === at) uriMalformed(`${part} has an empty mailbox local part at offset ${start}`);
  const local = text.slice(start, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    uriMalformed(`${part} mailbox local part at offset ${start} has a misplaced "."`);
  }
  return local;
}

export function formatImPresUri(uri: ImPresUri): string {
  const mailbox = uri.user === undefined ? uri.host : `${uri.user}@${uri.host}`;
  return `${uri.scheme}:${mailbox}${formatUriHeaders(uri.headers)}`;
}

/** RFC 3261 §19.1.4's rules carried over: local part exact after escapes, host case-insensitive. */
export function imPresUriEquals(a: ImPresUri, b: ImPresUri): boolean {
  return (
    a.scheme === b.scheme &&
    userinfoEquals(a.user, b.user) &&
    hostsEqual(a.host, a.hostKind, b.host, b.hostKind) &&
    uriHeadersEqual(a.headers, b.headers)
  );
}
