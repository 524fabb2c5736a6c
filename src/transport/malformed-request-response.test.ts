import { describe, expect, it } from 'vitest';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { ErrorFrame } from '../sip/parsed-frame.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { sip } from '../../test/support/sip-text.js';
import { malformedRequestResponse, warningText } from './malformed-request-response.js';

const HEADERS = [
  'Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-1',
  'From: <sip:a@a.example.com>;tag=1',
  'To: <sip:b@b.example.net>',
  'Call-ID: c1',
  'CSeq: 1 INVITE',
];

function errorFrame(startLine: string, headers = HEADERS): ErrorFrame {
  const frame = parseDatagram(
    sip([startLine, ...headers, 'Content-Length: 99', '', ''].join('\n')),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'error') throw new Error(`expected an error frame, got ${frame.kind}`);
  return frame;
}

describe('Y4 answering malformed requests', () => {
  it('Y4 answers with the error status, the copied headers and a 399 Warning naming the edge', () => {
    const response = malformedRequestResponse(errorFrame('INVITE sip:b@b.example.net SIP/2.0'), '2001:db8::5', {
      address: '2001:db8::9',
      port: 5062,
    })!.toString('latin1');
    expect(response).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
    // RFC 3261 §18.2.1: the sent-by host is not where the request came from, so received says where.
    expect(response).toContain('\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-1;received=2001:db8::9\r\n');
    expect(response).toMatch(/\r\nWarning: 399 \[2001:db8::5\] "Content-Length 99 exceeds [^"]*"\r\n/);
  });

  it('Y4 never answers a response, an ACK, or a request without a Via', () => {
    expect(
      malformedRequestResponse(errorFrame('SIP/2.0 200 OK'), '192.0.2.1', { address: '192.0.2.9', port: 5062 }),
    ).toBeUndefined();
    expect(
      malformedRequestResponse(errorFrame('ACK sip:b@b.example.net SIP/2.0'), '192.0.2.1', {
        address: '192.0.2.9',
        port: 5062,
      }),
    ).toBeUndefined();
    expect(
      malformedRequestResponse(errorFrame('INVITE sip:b@b.example.net SIP/2.0', HEADERS.slice(1)), '192.0.2.1', {
        address: '192.0.2.9',
        port: 5062,
      }),
    ).toBeUndefined();
  });

  it('keeps quotes, backslashes and line breaks of the reason out of the Warning syntax', () => {
    expect(warningText('bad "x" \\ y\r\nInjected: 1')).toBe('bad \\"x\\" \\\\ y  Injected: 1');
  });
});
