import { describe, expect, it } from 'vitest';
import { parseCSeq } from './cseq.js';
import { parseExpires, parseMaxForwards } from './delta-seconds.js';
import { parseEvent } from './event.js';
import { parseAccept, parseContentType } from './media-type.js';
import { parseRetryAfter } from './retry-after.js';
import { parseSipDate } from './sip-date.js';
import { parseSubscriptionState } from './subscription-state.js';
import { formatWarning, parseWarning } from './warning.js';

const malformed = expect.objectContaining({ code: 'HEADER_VALUE_MALFORMED' });

describe('scalar headers', () => {
  it('CSeq MUST be a 32-bit number and a method (RFC 4475 §3.1.2.4)', () => {
    expect(parseCSeq('0009\r\n  INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(() => parseCSeq('36893488147419103232 REGISTER')).toThrowError(malformed);
    expect(() => parseCSeq('1')).toThrowError(malformed);
  });

  it('Max-Forwards MUST be 0-255', () => {
    expect(parseMaxForwards('0068')).toBe(68);
    expect(() => parseMaxForwards('300')).toThrowError(malformed);
  });

  it('Expires larger than 2**32-1 MUST be taken as 2**32-1 (RFC 3261 §20.19)', () => {
    expect(parseExpires('3600')).toBe(3600);
    expect(parseExpires('99999999999999999999')).toBe(0xffffffff);
    expect(() => parseExpires('-1')).toThrowError(malformed);
  });
});

describe('event headers (RFC 6665 §8.2)', () => {
  it('Event MUST yield the package and id', () => {
    expect(parseEvent('Presence;id=7')).toMatchObject({ package: 'presence', id: '7' });
  });

  it('Subscription-State MUST yield state, expires, reason and retry-after', () => {
    expect(parseSubscriptionState('active;expires=600')).toMatchObject({ state: 'active', expires: 600 });
    expect(parseSubscriptionState('terminated;reason=noresource')).toMatchObject({
      state: 'terminated',
      reason: 'noresource',
    });
    expect(() => parseSubscriptionState('active;expires=soon')).toThrowError(malformed);
  });
});

describe('media types', () => {
  it('Content-Type and Accept MUST yield lowercased types with parameters', () => {
    expect(parseContentType('Application/PIDF+XML; charset=utf-8')).toMatchObject({
      type: 'application',
      subtype: 'pidf+xml',
    });
    expect(parseAccept('application/pidf+xml, application/xpidf+xml;q=0.5').map((m) => m.subtype)).toEqual([
      'pidf+xml',
      'xpidf+xml',
    ]);
    expect(parseAccept('')).toEqual([]);
    expect(() => parseContentType('text')).toThrowError(malformed);
  });
});

describe('Warning, Retry-After, Date', () => {
  it('Warning MUST have a three-digit code, an agent and quoted text', () => {
    const [w] = parseWarning('399 edge.a.example.com "page mode only"');
    expect(w).toEqual({ code: 399, agent: 'edge.a.example.com', text: 'page mode only' });
    expect(formatWarning(w!)).toBe('399 edge.a.example.com "page mode only"');
    expect(() => parseWarning('1812 overture "In Progress"')).toThrowError(malformed);
  });

  it('Retry-After MUST be delta-seconds with an optional comment and duration', () => {
    expect(parseRetryAfter('120 (in a meeting);duration=3600')).toMatchObject({
      seconds: 120,
      comment: 'in a meeting',
      duration: 3600,
    });
    expect(() => parseRetryAfter('949302838503028349304023988')).toThrowError(malformed);
  });

  it('Date MUST be RFC 1123 in GMT (RFC 4475 §3.1.2.12)', () => {
    expect(parseSipDate('Sat, 13 Nov 2010 23:29:00 GMT').toISOString()).toBe('2010-11-13T23:29:00.000Z');
    expect(() => parseSipDate('Fri, 01 Jan 2010 16:00:00 EST')).toThrowError(malformed);
  });
});
