import { describe, expect, it } from 'vitest';
import { sip, MESSAGE_REQUEST } from '../../test/support/sip-text.js';
import { DEFAULT_PARSER_LIMITS } from './parser-limits.js';
import type { ParsedFrame } from './parsed-frame.js';
import { StreamFramer } from './stream-framer.js';

function drain(framer: StreamFramer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (let frame = framer.next(); frame !== undefined; frame = framer.next()) frames.push(frame);
  return frames;
}

const message = sip(MESSAGE_REQUEST);

describe('stream framing (RFC 3261 §18.3)', () => {
  it('MUST frame a message by its Content-Length', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(message);
    const frames = drain(framer);
    expect(frames).toHaveLength(1);
    const frame = frames[0]!;
    expect(frame.kind).toBe('message');
    if (frame.kind !== 'message') return;
    expect(frame.message.body.toString()).toBe('hello');
    expect(frame.message.raw.equals(message)).toBe(true);
    expect(framer.bufferedBytes).toBe(0);
  });

  it('MUST reassemble a message delivered one byte at a time', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    const frames: ParsedFrame[] = [];
    for (let i = 0; i < message.length; i++) {
      framer.push(message.subarray(i, i + 1));
      frames.push(...drain(framer));
    }
    expect(frames.map((f) => f.kind)).toEqual(['message']);
  });

  it('MUST frame each of several consecutive reads that carry one whole message each', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      framer.push(message);
      kinds.push(...drain(framer).map((f) => f.kind));
    }
    expect(kinds).toEqual(['message', 'message', 'message']);
  });

  it('MUST separate several messages arriving in one read', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(Buffer.concat([message, message, message.subarray(0, 40)]));
    expect(drain(framer).map((f) => f.kind)).toEqual(['message', 'message']);
    framer.push(message.subarray(40));
    expect(drain(framer).map((f) => f.kind)).toEqual(['message']);
  });

  it('MUST report a CRLF CRLF keepalive as a ping and a lone CRLF as a pong (RFC 5626 §4.4.1)', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(Buffer.from('\r\n\r\n'));
    expect(drain(framer)).toEqual([{ kind: 'ping' }]);
    framer.push(Buffer.concat([Buffer.from('\r\n'), message]));
    expect(drain(framer).map((f) => f.kind)).toEqual(['pong', 'message']);
  });

  it('MUST recognise a ping split across two reads', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(Buffer.from('\r\n'));
    const first = drain(framer);
    framer.push(Buffer.from('\r\n'));
    expect([...first, ...drain(framer)].map((f) => f.kind)).toEqual(['pong', 'ping']);
  });

  it('MUST reject a stream message without Content-Length and stop framing', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(sip(MESSAGE_REQUEST.replace('Content-Length: 5\n', '')));
    const [frame] = drain(framer);
    expect(frame?.kind).toBe('error');
    if (frame?.kind !== 'error') return;
    expect(frame.error.code).toBe('CONTENT_LENGTH_MISSING');
    expect(frame.message?.callId).toBe('a84b4c76e66710@pc33.a.example.com');
    expect(framer.broken).toBe(true);
    framer.push(message);
    expect(framer.next()).toBeUndefined();
  });

  it('MUST reject a header block over the limit before its end arrives', () => {
    const framer = new StreamFramer({ ...DEFAULT_PARSER_LIMITS, maxHeaderBytes: 1024 });
    framer.push(Buffer.from(`MESSAGE sip:bob@b.example.net SIP/2.0\r\nX-Long: ${'a'.repeat(2000)}`));
    const [frame] = drain(framer);
    expect(frame?.kind === 'error' && frame.error.code).toBe('HEADERS_TOO_LARGE');
  });

  it('MUST reject a start line over the limit', () => {
    const framer = new StreamFramer({ ...DEFAULT_PARSER_LIMITS, maxStartLineBytes: 64 });
    framer.push(Buffer.from(`MESSAGE sip:${'b'.repeat(100)}@b.example.net SIP/2.0`));
    const [frame] = drain(framer);
    expect(frame?.kind === 'error' && frame.error.code).toBe('START_LINE_TOO_LONG');
  });

  it('MUST reject a body over the limit', () => {
    const framer = new StreamFramer({ ...DEFAULT_PARSER_LIMITS, maxBodyBytes: 4 });
    framer.push(message);
    const [frame] = drain(framer);
    expect(frame?.kind === 'error' && frame.error.code).toBe('BODY_TOO_LARGE');
  });

  it('MUST wait for the rest of a body without re-reporting the head', () => {
    const framer = new StreamFramer(DEFAULT_PARSER_LIMITS);
    framer.push(message.subarray(0, message.length - 2));
    expect(drain(framer)).toEqual([]);
    framer.push(message.subarray(message.length - 2));
    expect(drain(framer).map((f) => f.kind)).toEqual(['message']);
  });
});
