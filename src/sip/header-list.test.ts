import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstListValue, splitHeaderList } from './header-list.js';

describe('list header values', () => {
  it('S3 the first value alone is the first of all values (RFC 3261 §7.3.1)', () => {
    const piece = fc.constantFrom(',', '"', '\\', '<', '>', ' ', 'a', 'b;x=1', 'SIP/2.0/TCP h');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const value = pieces.join('');
        expect(firstListValue(value)).toBe(splitHeaderList(value, [])[0]);
      }),
      { numRuns: 1000 },
    );
  });

  it('S3 a comma inside a quoted string or angle brackets does not end the first value', () => {
    expect(firstListValue('"a, b" <sip:x;p=1,2>, <sip:y>')).toBe('"a, b" <sip:x;p=1,2>');
  });
});
