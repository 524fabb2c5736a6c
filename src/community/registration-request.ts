// The binding changes a REGISTER asks for (RFC 3261 §10.3 step 6-7): each Contact with its expiry
// (its expires parameter, else the Expires header, else the registrar's default), or `*` to clear.
import { parseContact, type ContactValue } from '../sip/contact.js';
import { parseExpires } from '../sip/delta-seconds.js';
import type { IncomingRequest } from '../sip/incoming-message.js';

export interface RequestedBinding {
  readonly uri: string;
  readonly expiresSeconds: number;
  readonly q: number;
}

export type RegistrationChange =
  | { readonly kind: 'query' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'update'; readonly bindings: readonly RequestedBinding[] }
  | { readonly kind: 'invalid'; readonly why: string };

export function readRegistration(request: IncomingRequest, defaultExpiresSeconds: number): RegistrationChange {
  let contacts: Array<ContactValue | '*'>;
  let headerExpires: number | undefined;
  try {
    contacts = request.headers.getAll('contact').flatMap((value): Array<ContactValue | '*'> => {
      const contact = parseContact(value);
      return contact.star ? ['*' as const] : [...contact.values];
    });
    const expires = request.headers.get('expires');
    headerExpires = expires === undefined ? undefined : parseExpires(expires);
  } catch (error) {
    return { kind: 'invalid', why: error instanceof Error ? error.message : String(error) };
  }
  if (contacts.length === 0) return { kind: 'query' };
  if (contacts.includes('*')) {
    // §10.3 step 6: `*` only alone and with Expires: 0.
    return contacts.length === 1 && headerExpires === 0
      ? { kind: 'clear' }
      : { kind: 'invalid', why: 'Contact: * needs Expires: 0 and no other Contact' };
  }
  const bindings = (contacts as ContactValue[]).map((c) => ({
    uri: c.uriText,
    expiresSeconds: c.expires ?? headerExpires ?? defaultExpiresSeconds,
    q: c.q ?? 1,
  }));
  return { kind: 'update', bindings };
}
