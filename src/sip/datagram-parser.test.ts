import { describe, expect, it } from 'vitest';
import { sip, MESSAGE_REQUEST } from '../../test/support/sip-text.js';
import { parseDatagram } from './datagram-parser.js';
import { DEFAULT_PARSER_LIMITS } from './parser-limits.js';

describe('datagram parsing (RFC 3261 §18.3)', () => {
  it('MUST truncate the body to a Content-Length smaller than the datagram', () => {
    const frame = parseDatagram(
      Buffer.concat([sip(MESSAGE_REQUEST), Buffer.from('trailing junk')]),
      DEFAULT_PARSER_LIMITS,
    );
    expect(frame.kind === 'message' && frame.message.body.toString()).toBe('hello');
  });

  it('MUST reject a Content-Length larger than the datagram', () => {
    const frame = parseDatagram(
      sip(MESSAGE_REQUEST.replace('Content-Length: 5', 'Content-Length: 50')),
      DEFAULT_PARSER_LIMITS,
    );
    expect(frame.kind).toBe('error');
    if (frame.kind !== 'error') return;
    expect(frame.error.code).toBe('CONTENT_LENGTH_EXCEEDS_DATAGRAM');
    expect(frame.error.status).toBe(400);
    expect(frame.message?.kind === 'request' && frame.message.method).toBe('MESSAGE');
  });

  it('MUST take the rest of the datagram as the body when Content-Length is absent', () => {
    const frame = parseDatagram(sip(MESSAGE_REQUEST.replace('Content-Length: 5\n', '')), DEFAULT_PARSER_LIMITS);
    expect(frame.kind === 'message' && frame.message.body.toString()).toBe('hello');
  });

  it('MUST treat a datagram of CRLFs as a keepalive', () => {
    expect(parseDatagram(Buffer.from('\r\n\r\n'), DEFAULT_PARSER_LIMITS).kind).toBe('ping');
  });

  it('MUST reject a datagram whose header block never ends', () => {
    const frame = parseDatagram(Buffer.from('OPTIONS sip:a.example.com SIP/2.0\r\nVia: x'), DEFAULT_PARSER_LIMITS);
    expect(frame.kind === 'error' && frame.error.code).toBe('HEADER_BLOCK_UNTERMINATED');
  });
});
