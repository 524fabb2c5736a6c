// Retry-After (RFC 3261 §20.33): delta-seconds [ comment ] *( SEMI retry-param ).

import { HeaderScanner } from './header-scanner.js';
import { scanHeaderParams, type HeaderParams } from './header-params.js';
import { MAX_DELTA_SECONDS } from './delta-seconds.js';

export interface RetryAfter {
  readonly seconds: number;
  readonly comment: string | undefined;
  readonly duration: number | undefined;
  readonly params: HeaderParams;
}

export function parseRetryAfter(value: string): RetryAfter {
  const scanner = new HeaderScanner('Retry-After', value);
  const seconds = scanner.integer('delta-seconds', MAX_DELTA_SECONDS);
  const comment = scanComment(scanner);
  const params = scanHeaderParams(scanner);
  scanner.expectEnd();
  const duration = params.get('duration');
  if (duration === null || (duration !== undefined && !/^\d{1,10}$/.test(duration)))
    scanner.fail('duration is not delta-seconds');
  return { seconds, comment, duration: duration === undefined ? undefined : Number(duration), params };
}

/** comment = "(" *(ctext / quoted-pair / comment) ")", nested. */
function scanComment(scanner: HeaderScanner): string | undefined {
  scanner.skipWhiteSpace();
  if (scanner.peek() !== 0x28) return undefined;
  const start = scanner.pos;
  let depth = 0;
  while (scanner.pos < scanner.end) {
    const c = scanner.text.charCodeAt(scanner.pos++);
    if (c === 0x5c) scanner.pos++;
    else if (c === 0x28) depth++;
    else if (c === 0x29 && --depth === 0) return scanner.text.slice(start + 1, scanner.pos - 1);
  }
  return scanner.fail('unterminated comment');
}
