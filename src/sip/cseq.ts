// CSeq (RFC 3261 §20.16): a sequence number of at most 32 bits (RFC 4475 §3.1.2.4) and a method.

import { HeaderScanner } from './header-scanner.js';

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export const MAX_CSEQ = 0xffffffff;

export function parseCSeq(value: string): CSeq {
  const scanner = new HeaderScanner('CSeq', value);
  const seq = scanner.integer('sequence number', MAX_CSEQ);
  if (!isWhiteSpaceNext(scanner)) scanner.fail('expected white space between number and method');
  const method = scanner.token('a method');
  scanner.expectEnd();
  return { seq, method };
}

function isWhiteSpaceNext(scanner: HeaderScanner): boolean {
  const c = scanner.peek();
  return c === 0x20 || c === 0x09 || c === 0x0d;
}
