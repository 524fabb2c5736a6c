import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, headerKey } from './header-names.js';

describe('header names', () => {
  it('S3 looks names up case-insensitively, compact forms expanded (RFC 3261 §7.3.1, §7.3.3)', () => {
    expect(['Via', 'VIA', 'via', 'v', 'V'].map(headerKey)).toEqual(['via', 'via', 'via', 'via', 'via']);
    expect(['Call-ID', 'CALL-ID', 'i'].map(headerKey)).toEqual(['call-id', 'call-id', 'call-id']);
    expect(headerKey('Session-Expires')).toBe('session-expires');
  });

  it('S1 an unknown header keeps working: its key is its lowercase name', () => {
    expect(headerKey('X-Some-Vendor-Thing')).toBe('x-some-vendor-thing');
    expect(headerKey('Q')).toBe('q');
    expect(canonicalHeaderName('x-some-vendor-thing')).toBe('X-Some-Vendor-Thing');
  });

  it('S3 the edge spells the headers it writes as the RFCs do', () => {
    expect(
      ['cseq', 'call-id', 'i', 'record-route', 'www-authenticate', 'sip-etag', 'RSEQ'].map(canonicalHeaderName),
    ).toEqual(['CSeq', 'Call-ID', 'Call-ID', 'Record-Route', 'WWW-Authenticate', 'SIP-ETag', 'RSeq']);
  });
});
