// The binding changes a REGISTER asks for (RFC 3261 §10.3 step 6-7): each Contact with its expiry
// (its expires parameter, else the Expires header, else the registrar's default), or `*` to clear.
// A Contact with `+sip.instance` and `reg-id` names an RFC 5626 flow of that instance (SPEC I6).
import { parseContact, type ContactValue } from '../sip/contact.js';
import { parseExpires } from '../sip/delta-seconds.js';
import type { IncomingRequest } from '../sip/incoming-message.js';

export interface RequestedBinding {
  readonly uri: string;
  readonly expiresSeconds: number;
  readonly q: number;
  /** RFC 5626 §4.1: the instance's `+sip.instance` and the flow's `reg-id`, when both are given. */
  readonly outbound?: OutboundContact;
}

export interface OutboundContact {
  /** The `+sip.instance` value as written, quotes included (compared exactly, RFC 5626 §4.1). */
  readonly instance: string;
  readonly regId: number;
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
  const bindings = (contacts as ContactValue[]).map((c): RequestedBinding => {
    const outbound = outboundContact(c);
    return {
      uri: c.uriText,
      expiresSeconds: c.expires ?? headerExpires ?? defaultExpiresSeconds,
      q: c.q ?? 1,
      ...(outbound === undefined ? {} : { outbound }),
    };
  });
  return { kind: 'update', bindings };
}

/** RFC 5626 §6: a `reg-id` without `+sip.instance` is ignored, as is one that is no number. */
function outboundContact(contact: ContactValue): OutboundContact | undefined {
  const instance = contact.params.get('+sip.instance');
  const regId = contact.params.get('reg-id');
  if (instance === undefined || instance === null || regId === undefined || regId === null) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(regId) || Number(regId) > 0xffffffff) return undefined;
  return { instance, regId: Number(regId) };
}
