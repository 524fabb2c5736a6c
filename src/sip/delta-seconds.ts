// Headers whose value is a single non-negative integer: Max-Forwards (0-255, RFC 3261 §20.22),
// Expires and Min-Expires (delta-seconds, §20.19, §20.23), Content-Length (§20.14).

import { HeaderScanner } from './header-scanner.js';

/** delta-seconds is 32 bits; RFC 3261 §20.19 says larger values are taken as 2**32-1. */
export const MAX_DELTA_SECONDS = 0xffffffff;

export function parseMaxForwards(value: string): number {
  return parseUnsigned('Max-Forwards', value, 255);
}

export function parseExpires(value: string, header = 'Expires'): number {
  const scanner = new HeaderScanner(header, value);
  const start = scanner.skipWhiteSpace().pos;
  while (scanner.pos < scanner.end && scanner.peek() >= 0x30 && scanner.peek() <= 0x39) scanner.pos++;
  if (scanner.pos === start) scanner.fail('expected delta-seconds (digits)');
  const digits = scanner.text.slice(start, scanner.pos);
  scanner.expectEnd();
  const n = Number(digits);
  return n > MAX_DELTA_SECONDS ? MAX_DELTA_SECONDS : n;
}

export function parseContentLength(value: string): number {
  return parseUnsigned('Content-Length', value, Number.MAX_SAFE_INTEGER);
}

function parseUnsigned(header: string, value: string, max: number): number {
  const scanner = new HeaderScanner(header, value);
  const n = scanner.integer('a number', max);
  scanner.expectEnd();
  return n;
}
