// Content-Type (RFC 3261 §20.15) and the media ranges of Accept (§20.1).

import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';

export interface MediaType {
  /** Lowercased type and subtype; "*" for a wildcard range. */
  readonly type: string;
  readonly subtype: string;
  readonly params: HeaderParams;
}

export function parseContentType(value: string): MediaType {
  const scanner = new HeaderScanner('Content-Type', value);
  const media = scanMediaType(scanner);
  scanner.expectEnd();
  return media;
}

/** Accept: a possibly empty list of media ranges (an empty Accept means "no body", RFC 3261 §20.1). */
export function parseAccept(value: string): MediaType[] {
  const scanner = new HeaderScanner('Accept', value);
  const ranges: MediaType[] = [];
  if (scanner.skipWhiteSpace().done) return ranges;
  do ranges.push(scanMediaType(scanner));
  while (scanner.accept(0x2c));
  scanner.expectEnd();
  return ranges;
}

function scanMediaType(scanner: HeaderScanner): MediaType {
  const type = scanner.token('a media type').toLowerCase();
  scanner.expect(0x2f, '"/" between type and subtype');
  const subtype = scanner.token('a media subtype').toLowerCase();
  return { type, subtype, params: scanHeaderParams(scanner) };
}

export function mediaTypeMatches(range: MediaType, type: string, subtype: string): boolean {
  return (range.type === '*' || range.type === type) && (range.subtype === '*' || range.subtype === subtype);
}
