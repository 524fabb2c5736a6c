import { describe, expect, it } from 'vitest';
import { sip, MESSAGE_REQUEST } from '../../test/support/sip-text.js';
import { parseDatagram } from './datagram-parser.js';
import type { IncomingMessage } from './incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from './parser-limits.js';

function parse(text: string): IncomingMessage {
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error(`expected a message, got ${frame.kind}`);
  return frame.message;
}

describe('header index (RFC 3261 §7.3)', () => {
  it('MUST treat header names case-insensitively and expand compact forms', () => {
    const m = parse(
      'OPTIONS sip:a.example.com SIP/2.0\nv: SIP/2.0/UDP h;branch=z9hG4bK1\ni: abc\nCSEQ: 1 OPTIONS\nf: <sip:x@y>;tag=1\nt: <sip:z@y>\nl: 0\n\n',
    );
    expect(m.headers.get('Via')).toBe('SIP/2.0/UDP h;branch=z9hG4bK1');
    expect(m.headers.get('CALL-ID')).toBe('abc');
    expect(m.callId).toBe('abc');
    expect(m.cseq).toEqual({ seq: 1, method: 'OPTIONS' });
    expect(m.headers.has('content-length')).toBe(true);
  });

  it('MUST unfold a header value continued on following lines', () => {
    const m = parse('OPTIONS sip:a SIP/2.0\nSubject: first\n  second\n\tthird\nl: 0\n\n');
    expect(m.headers.get('subject')).toBe('first second third');
  });

  it('MUST split list values at commas outside quotes and angle brackets', () => {
    const m = parse(
      'OPTIONS sip:a SIP/2.0\nContact: "a, b" <sip:a@h;x=1,2>, <sip:b@h>\nRoute: <sip:p1;lr>\nRoute: <sip:p2;lr>, <sip:p3;lr>\nl: 0\n\n',
    );
    expect(m.headers.values('contact')).toEqual(['"a, b" <sip:a@h;x=1,2>', '<sip:b@h>']);
    expect(m.headers.values('route')).toEqual(['<sip:p1;lr>', '<sip:p2;lr>', '<sip:p3;lr>']);
    expect(m.headers.getAll('route')).toHaveLength(2);
  });

  it('MUST keep each header line as the bytes received', () => {
    const m = parse(MESSAGE_REQUEST);
    const i = m.headers.indexOf('from');
    expect(m.headers.rawLineAt(i)).toBe('From: "Alice" <sip:alice@a.example.com>;tag=49583');
  });

  it('MUST NOT parse a header grammar until the header is asked for', () => {
    // The Expires value is malformed; indexing must succeed and only asking for it fails.
    const m = parse(MESSAGE_REQUEST.replace('Max-Forwards: 70', 'Max-Forwards: 70\nExpires: soon'));
    expect(m.headers.get('expires')).toBe('soon');
  });

  it('MUST reject a header line that has no colon', () => {
    const frame = parseDatagram(sip('OPTIONS sip:a SIP/2.0\nNoColonHere\nl: 0\n\n'), DEFAULT_PARSER_LIMITS);
    expect(frame.kind === 'error' && frame.error.code).toBe('HEADER_LINE_MALFORMED');
  });

  it('MUST refuse more header fields than the limit allows', () => {
    const many = Array.from({ length: 20 }, (_, i) => `X-${i}: v`).join('\n');
    const frame = parseDatagram(sip(`OPTIONS sip:a SIP/2.0\n${many}\nl: 0\n\n`), {
      ...DEFAULT_PARSER_LIMITS,
      maxHeaders: 10,
    });
    expect(frame.kind === 'error' && frame.error.code).toBe('TOO_MANY_HEADERS');
  });
});
