// E.164 numbers as ENUM takes them (RFC 6116 §2.4, §3.2.1): from a tel: URI, a sip: URI with
// user=phone, an enum: URI or a bare "+number"; kept as "+" and digits, which is also the
// Application Unique String a NAPTR regexp is applied to.

import { isEnumUri, isSipUri, isTelUri, type Uri } from '../sip/uri.js';
import { DiscoveryError } from './discovery-error.js';

/** ITU-T E.164 §6.1: at most 15 digits. */
const MAX_DIGITS = 15;
/** RFC 3966 §3 visual separators. */
const VISUAL_SEPARATORS = /[-.()]/g;

/** "+" and digits; throws NOT_E164 for anything else. */
export function parseE164(text: string): string {
  const compact = text.trim().replace(VISUAL_SEPARATORS, '');
  if (!/^\+[0-9]+$/.test(compact)) {
    throw new DiscoveryError(
      'NOT_E164',
      `"${text}" is not an E.164 number: "+" then digits (visual separators - . ( ) allowed)`,
    );
  }
  if (compact.length - 1 > MAX_DIGITS) {
    throw new DiscoveryError(
      'NOT_E164',
      `"${text}" has ${compact.length - 1} digits; an E.164 number has at most ${MAX_DIGITS}`,
    );
  }
  return compact;
}

/**
 * The number a URI holds for ENUM, or undefined when it holds none: a local tel: number (RFC 3966
 * §5.1.4 — a phone-context cannot be turned into an ENUM domain) or a sip: URI without user=phone.
 */
export function e164FromUri(uri: Uri): string | undefined {
  if (isTelUri(uri)) return uri.global ? parseE164(uri.number) : undefined;
  if (isEnumUri(uri)) return parseE164(uri.number);
  if (isSipUri(uri) && uri.params.get('user')?.toLowerCase() === 'phone' && uri.user?.startsWith('+')) {
    // RFC 3261 §19.1.1: with user=phone the user part is a telephone-subscriber; parameters after ";".
    const subscriber = uri.user.split(';')[0] ?? '';
    return parseE164(subscriber);
  }
  return undefined;
}

/** RFC 6116 §2.4: digits reversed, dot-separated, under the suffix: +4311234 → 4.3.2.1.1.3.4.e164.arpa. */
export function enumDomain(number: string, suffix: string): string {
  const digits = number.slice(1);
  let labels = '';
  for (let i = digits.length - 1; i >= 0; i--) labels += `${digits[i]}.`;
  return labels + suffix;
}
