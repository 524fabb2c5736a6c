// What the store keeps of a tracked subscription dialog (`sub:<dialog id>`): everything the table
// holds, and what the edge needs to send a request inside the dialog itself (P9, X3): both
// identities with their tags, both contacts (remote targets) and the Record-Route of the 2xx that
// created it, from which each end's route set is read (RFC 3261 §12.1.1, §12.1.2).

import { parseExpires } from '../../sip/delta-seconds.js';
import { contactUri } from '../../sip/contact-uri.js';
import type { IncomingRequest, IncomingResponse } from '../../sip/incoming-message.js';
import { addressOfRecord } from '../../sip/address-of-record.js';
import type { PolicyContext } from '../policy-context.js';
import { DEFAULT_PRESENCE_EXPIRES_S } from '../rules/subscription-expires.js';
import { createdDialogId } from './dialog-id.js';
import { parametersDigest } from './notify-digest.js';
import type { DialogEntry, SubscriptionDirection } from './subscription-table.js';

export interface SubscriptionRecord extends DialogEntry {
  readonly id: string;
  readonly direction: SubscriptionDirection;
  /** The peer community's domain. */
  readonly peer: string;
  /** The presentity's address-of-record (X3 finds a removed user's watchers by it). */
  readonly presentity: string;
  /** The SUBSCRIBE's Event header, as received. */
  readonly event: string;
  readonly callId: string;
  /** The SUBSCRIBE's From value, with the watcher's tag. */
  readonly watcher: string;
  /** The 2xx's To value, with the notifier's tag. */
  readonly notifier: string;
  /** Remote targets: the URIs of the SUBSCRIBE's and the 2xx's Contact. */
  readonly watcherContact: string;
  readonly notifierContact: string;
  /** The 2xx's Record-Route values, topmost first: the notifier's side, the edge's own, the watcher's side. */
  readonly recordRoute: readonly string[];
}

/** The record a 2xx to an initial SUBSCRIBE creates; undefined for a fetch (Expires: 0) or a 2xx without tags. */
export function recordFromResponse(
  subscribe: IncomingRequest,
  response: IncomingResponse,
  context: PolicyContext,
): SubscriptionRecord | undefined {
  const id = createdDialogId(subscribe, response);
  const granted = grantedSeconds(subscribe, response, context.limits.maxSubscriptionExpiresSeconds);
  if (id === undefined || granted === 0) return undefined;
  const now = context.now();
  return {
    id,
    direction: context.direction,
    peer: context.peer,
    presentity: addressOfRecord(subscribe.to.uri),
    event: subscribe.headers.get('event') ?? 'presence',
    callId: subscribe.callId,
    watcher: subscribe.headers.get('from')!,
    notifier: response.headers.get('to')!,
    watcherContact: contactUri(subscribe) ?? subscribe.from.uriText,
    notifierContact: contactUri(response) ?? subscribe.requestUriText,
    recordRoute: response.headers.values('record-route'),
    createdAt: now,
    refreshedAt: now,
    expiresAt: now + granted * 1000,
    paramsDigest: parametersDigest(subscribe),
    watcherCSeq: subscribe.cseq.seq,
    notifierCSeq: 0,
  };
}

/**
 * The duration a 2xx granted (RFC 6665 §4.2.1.1: its Expires; the request's when it has none), at
 * most the P6 maximum, since the response chain lowers a larger one on its way to the watcher.
 */
export function grantedSeconds(subscribe: IncomingRequest, response: IncomingResponse, maxSeconds: number): number {
  const value = response.headers.get('expires') ?? subscribe.headers.get('expires');
  let seconds = DEFAULT_PRESENCE_EXPIRES_S;
  try {
    if (value !== undefined) seconds = parseExpires(value);
  } catch {
    // A malformed Expires in a 2xx: take the profile's default, as for a SUBSCRIBE without one.
  }
  return Math.min(seconds, maxSeconds);
}

/** A SUBSCRIBE's Expires in seconds; undefined when absent or malformed. */
export function requestedExpires(subscribe: IncomingRequest): number | undefined {
  const value = subscribe.headers.get('expires');
  if (value === undefined) return undefined;
  try {
    return parseExpires(value);
  } catch {
    return undefined;
  }
}
