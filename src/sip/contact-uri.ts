// The URI a message's first Contact names (RFC 3261 §8.1.1.8): where the far end of a dialog is
// reached. The subscription bookkeeping (P9, X3) and the community's presence server both need it.

import { parseContact } from './contact.js';
import type { IncomingRequest, IncomingResponse } from './incoming-message.js';

/** The first Contact's URI; undefined when absent or malformed. */
export function contactUri(message: IncomingRequest | IncomingResponse): string | undefined {
  const value = message.headers.get('contact');
  if (value === undefined) return undefined;
  try {
    const contact = parseContact(value);
    return contact.star ? undefined : contact.values[0]?.uriText;
  } catch {
    return undefined;
  }
}
