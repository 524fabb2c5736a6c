import { describe, expect, it } from 'vitest';
import { parseContact } from './contact.js';
import { parseNameAddr } from './name-addr.js';

describe('name-addr and addr-spec (RFC 3261 §20.10, §25.1)', () => {
  it('MUST parse a quoted display name, bracketed URI and tag', () => {
    const na = parseNameAddr('"J Rosenberg \\\\\\""  <sip:jdrosen@example.com>;tag=98asjd8', 'From');
    expect(na.displayName).toBe('"J Rosenberg \\\\\\""');
    expect(na.uriText).toBe('sip:jdrosen@example.com');
    expect(na.tag).toBe('98asjd8');
    expect(na.bracketed).toBe(true);
  });

  it('MUST accept a token display name with no space before "<" (RFC 4475 §3.1.1.6)', () => {
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323', 'From').displayName).toBe('caller');
  });

  it('MUST treat parameters after an addr-spec as header parameters', () => {
    const na = parseNameAddr('sip:user@example.com;tag=abc', 'To');
    expect(na.uriText).toBe('sip:user@example.com');
    expect(na.tag).toBe('abc');
  });

  it('MUST reject an unterminated quoted display name (RFC 4475 §3.1.2.6)', () => {
    expect(() => parseNameAddr('"Mr. J. User <sip:j.user@example.com>', 'To')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });

  it('MUST reject white space inside the angle brackets (RFC 4475 §3.1.2.14)', () => {
    expect(() => parseNameAddr('"Watson, Thomas" < sip:t.watson@example.org >', 'To')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });

  it('MUST reject an unquoted display name with a comma (RFC 4475 §3.1.2.15)', () => {
    expect(() => parseNameAddr('Bell, Alexander <sip:a.g.bell@example.com>;tag=43', 'From')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });

  it('MUST reject URI headers outside angle brackets (RFC 4475 §3.1.2.13)', () => {
    expect(() => parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'Contact')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });
});

describe('Contact (RFC 3261 §20.10)', () => {
  it('MUST accept "*" and lists with q and expires', () => {
    expect(parseContact('*')).toEqual({ star: true });
    const contact = parseContact('<sip:a@h>;q=0.7;expires=3600, "B" <sip:b@h>');
    expect(contact.star).toBe(false);
    if (contact.star) return;
    expect(contact.values.map((v) => [v.uriText, v.q, v.expires])).toEqual([
      ['sip:a@h', 0.7, 3600],
      ['sip:b@h', undefined, undefined],
    ]);
  });

  it('MUST reject a q outside 0..1', () => {
    expect(() => parseContact('<sip:a@h>;q=1.5')).toThrowError(
      expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' }),
    );
  });
});
