// The identity of a subscription dialog (RFC 6665 §4.1.2.1, RFC 3261 §12): the Call-ID and the two
// tags, the watcher's and the notifier's, plus the Event package and its id, since several
// subscriptions may share one dialog (RFC 6665 §4.5.2). The table keys a dialog by a 96-bit digest of
// these, 16 characters, so a million keys stay small whatever Call-IDs the peers write.

import type { IncomingRequest, IncomingResponse } from '../../sip/incoming-message.js';
import { parseEvent } from '../../sip/event.js';
import { digest96 } from './text-digest.js';

export interface DialogParts {
  readonly callId: string;
  /** The tag of the watcher: the SUBSCRIBE's From tag, a NOTIFY's To tag. */
  readonly watcherTag: string;
  /** The tag of the notifier: the 2xx's To tag, a NOTIFY's From tag. */
  readonly notifierTag: string;
  /** `package` or `package;id=<id>` (eventKey). */
  readonly event: string;
}

export function dialogId(parts: DialogParts): string {
  return digest96(`${parts.callId}\n${parts.watcherTag}\n${parts.notifierTag}\n${parts.event}`);
}

/** The Event header as the subscription's identity sees it: package and id, nothing else. */
export function eventKey(value: string | undefined): string {
  if (value === undefined) return '';
  try {
    const event = parseEvent(value);
    return event.id === undefined ? event.package : `${event.package};id=${event.id}`;
  } catch {
    return value.trim().toLowerCase();
  }
}

/**
 * The dialog an in-dialog SUBSCRIBE (watcher → notifier) or NOTIFY (notifier → watcher) belongs to;
 * undefined for other methods and for requests outside a dialog. `callId`: the Call-ID as the
 * dialog's originator wrote it, when topology hiding (I4) maps it at the border.
 */
export function inDialogId(request: IncomingRequest, callId = request.callId): string | undefined {
  const fromTag = request.from.tag;
  const toTag = request.to.tag;
  if (fromTag === undefined || toTag === undefined) return undefined;
  const event = eventKey(request.headers.get('event'));
  if (request.method === 'SUBSCRIBE') return dialogId({ callId, watcherTag: fromTag, notifierTag: toTag, event });
  if (request.method === 'NOTIFY') return dialogId({ callId, watcherTag: toTag, notifierTag: fromTag, event });
  return undefined;
}

/** The dialog a 2xx to an initial SUBSCRIBE creates: the notifier's tag is the response's To tag. */
export function createdDialogId(subscribe: IncomingRequest, response: IncomingResponse): string | undefined {
  const watcherTag = subscribe.from.tag;
  const notifierTag = response.to.tag;
  if (watcherTag === undefined || notifierTag === undefined) return undefined;
  return dialogId({
    callId: subscribe.callId,
    watcherTag,
    notifierTag,
    event: eventKey(subscribe.headers.get('event')),
  });
}
