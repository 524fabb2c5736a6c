// Test helper: requests as a community's user agents send them to the built-in components.
import { parseDatagram } from '../../src/sip/datagram-parser.js';
import type { IncomingRequest } from '../../src/sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../../src/sip/parser-limits.js';
import { sip } from './sip-text.js';

export interface RequestParts {
  readonly method: string;
  readonly uri: string;
  readonly from?: string;
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly headers?: readonly string[];
  readonly body?: string;
}

export function communityRequest(parts: RequestParts): IncomingRequest {
  const body = parts.body ?? '';
  const text = [
    `${parts.method} ${parts.uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-t1',
    'Max-Forwards: 70',
    `From: ${parts.from ?? '<sip:alice@a.example.com>;tag=a1'}`,
    `To: ${parts.to ?? '<sip:alice@a.example.com>'}`,
    `Call-ID: ${parts.callId ?? 'call-1'}`,
    `CSeq: ${parts.cseq ?? 1} ${parts.method}`,
    ...(parts.headers ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\n');
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('test request did not parse');
  return frame.message;
}
