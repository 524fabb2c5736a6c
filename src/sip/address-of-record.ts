// The address the border rules and the community remember a request or a user by (P2, P3, P4, Y1,
// Y2, I2): the address-of-record of a URI in one spelling, so that
// `sip:Alice@A.example.com;transport=tls`, `sips:alice@a.example.com:5061` and `im:alice@a.example.com` all key the same store entry (003 §5, §10.4: "for any watcher or sender").

import { EdgeError } from '../errors.js';
import type { IncomingRequest } from './incoming-message.js';
import { withoutVisualSeparators } from './tel-uri-parameters.js';
import { formatUri, isEnumUri, isImPresUri, isSipUri, isTelUri, parseUri, unescapeUriPart, type Uri } from './uri.js';

/**
 * `sip:user@host` (sip, sips, im and pres alike), user and host lower-cased, escapes decoded, no port,
 * parameters or headers; `tel:+digits` for a global number; any other URI as its canonical text.
 */
export function addressOfRecord(uri: Uri): string {
  if (isSipUri(uri) || isImPresUri(uri)) {
    const host = uri.host.toLowerCase();
    return uri.user === undefined ? `sip:${host}` : `sip:${decodedUser(uri.user).toLowerCase()}@${host}`;
  }
  if (isTelUri(uri) && uri.global) return `tel:${withoutVisualSeparators(uri.number)}`;
  if (isEnumUri(uri)) return `tel:${uri.number}`;
  return formatUri(uri).toLowerCase();
}

/**
 * An address an operator wrote (configuration, admin API): a URI, or a bare `user@host` taken as
 * `sip:`. Throws EdgeError CONFIG_INVALID for text that is neither.
 */
export function parseAddress(text: string): string {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? trimmed : `sip:${trimmed}`;
  try {
    return addressOfRecord(parseUri(withScheme));
  } catch (error) {
    throw new EdgeError('CONFIG_INVALID', `"${text}" is not an address (sip:user@host or user@host)`, { cause: error });
  }
}

/** The request's target: its Request-URI's address-of-record. */
export function targetAddress(request: IncomingRequest): string {
  return addressOfRecord(request.requestUri);
}

/** The request's originator: its From URI's address-of-record. */
export function senderAddress(request: IncomingRequest): string {
  return addressOfRecord(request.from.uri);
}

/** RFC 3261 §12: a request without a To tag is outside any dialog (a new subscription, a page). */
export function isOutOfDialog(request: IncomingRequest): boolean {
  return request.to.tag === undefined;
}

function decodedUser(user: string): string {
  try {
    return unescapeUriPart(user);
  } catch {
    return user; // escapes that are not UTF-8: keep them as written, still one spelling per address
  }
}
