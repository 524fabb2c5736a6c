// Contact (RFC 3261 §20.10): "*" or a list of name-addr / addr-spec with q and expires parameters.

import { HeaderScanner } from './header-scanner.js';
import { scanNameAddr, type NameAddr } from './name-addr.js';

export interface ContactValue extends NameAddr {
  readonly q: number | undefined;
  readonly expires: number | undefined;
}

export type Contact = { readonly star: true } | { readonly star: false; readonly values: readonly ContactValue[] };

export function parseContact(value: string): Contact {
  if (value.trim() === '*') return { star: true };
  const scanner = new HeaderScanner('Contact', value);
  const values: ContactValue[] = [];
  do {
    const na = scanNameAddr(scanner);
    values.push({
      displayName: na.displayName,
      uri: na.uri,
      uriText: na.uriText,
      params: na.params,
      tag: na.tag,
      bracketed: na.bracketed,
      q: parseQ(scanner, na.params.get('q')),
      expires: parseExpires(scanner, na.params.get('expires')),
    });
  } while (scanner.accept(0x2c));
  scanner.expectEnd();
  return { star: false, values };
}

function parseQ(scanner: HeaderScanner, q: string | null | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (q === null || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q)) scanner.fail(`q "${q}" is not a qvalue between 0 and 1`);
  return Number(q);
}

function parseExpires(scanner: HeaderScanner, expires: string | null | undefined): number | undefined {
  if (expires === undefined) return undefined;
  if (expires === null || !/^\d{1,10}$/.test(expires) || Number(expires) > 0xffffffff)
    scanner.fail(`expires "${expires}" is not delta-seconds`);
  return Number(expires);
}
