// The address a rule remembers a request by (P2, P3, P4, Y1, Y2): the address-of-record of a URI in
// one spelling, so that `sip:Alice@A.example.com;transport=tls`, `sips:alice@a.example.com:5061` and
// `im:alice@a.example.com` all key the same store entry (003 §5, §10.4: "for any watcher or sender").

import { EdgeError } from '../errors.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { withoutVisualSeparators } from '../sip/tel-uri-parameters.js';
import { formatUri, isEnumUri, isImPresUri, isSipUri, isTelUri, parseUri, unescapeUriPart, type Uri } from '../sip/uri.js';

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

// Several rules of one chain key the store by the same two addresses: each is worked out once per
// request. A WeakMap, so the message model stays free of policy notions and nothing outlives it.
const targets = new WeakMap<IncomingRequest, string>();
const senders = new WeakMap<IncomingRequest, string>();

/** The request's target: its Request-URI's address-of-record. */
export function targetAddress(request: IncomingRequest): string {
  let address = targets.get(request);
  if (address === undefined) targets.set(request, (address = addressOfRecord(request.requestUri)));
  return address;
}

/** The request's originator: its From URI's address-of-record. */
export function senderAddress(request: IncomingRequest): string {
  let address = senders.get(request);
  if (address === undefined) senders.set(request, (address = addressOfRecord(request.from.uri)));
  return address;
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
