import { describe, expect, it } from 'vitest';
import { parseUri } from '../sip/uri.js';
import { e164FromUri, enumDomain, parseE164 } from './e164-number.js';

describe('D4 E.164 numbers for ENUM (RFC 6116)', () => {
  it('D4 takes the number of a global tel: URI without its visual separators', () => {
    expect(e164FromUri(parseUri('tel:+1-202-555-0100;phone-context=+1'))).toBe('+12025550100');
  });

  it('D4 takes the user part of sip:+…;user=phone, without its parameters', () => {
    expect(e164FromUri(parseUri('sip:+43-1-1234567;isub=12@a.example.com;user=phone'))).toBe('+4311234567');
    expect(e164FromUri(parseUri('sip:+4311234567@a.example.com'))).toBeUndefined();
  });

  it('D6 takes the number of an enum: URI and ignores its parameters (004 §3.1)', () => {
    expect(e164FromUri(parseUri('enum:+4311234567890;foo=bar'))).toBe('+4311234567890');
  });

  it('D4 gives no number for a local tel: number (RFC 3966 §5.1.4)', () => {
    expect(e164FromUri(parseUri('tel:7042;phone-context=example.com'))).toBeUndefined();
  });

  it('D4 reads a bare +number and refuses anything else', () => {
    expect(parseE164(' +44 '.trim())).toBe('+44');
    expect(parseE164('+1 (202) 555-0100'.replace(/ /g, ''))).toBe('+12025550100');
    expect(() => parseE164('12025550100')).toThrow(expect.objectContaining({ code: 'NOT_E164' }));
    expect(() => parseE164('+1234567890123456')).toThrow(/at most 15/);
  });

  it('RFC 6116 §2.4 reverses the digits under the suffix', () => {
    expect(enumDomain('+4311234567890', 'e164.arpa')).toBe('0.9.8.7.6.5.4.3.2.1.1.3.4.e164.arpa');
    expect(enumDomain('+12025550100', 'e164.example.net')).toBe('0.0.1.0.5.5.5.2.0.2.1.e164.example.net');
  });
});
