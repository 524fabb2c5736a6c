import { describe, expect, it } from 'vitest';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { LocalAddresses } from './local-addresses.js';
import { recordRouteEntries } from './record-route.js';

const local = new LocalAddresses([
  { side: 'internal', protocol: 'tcp', address: '192.0.2.1', port: 5060 },
  { side: 'external', protocol: 'tls', address: '203.0.113.1', port: 5061 },
]);

function subscribe(): IncomingRequest {
  const frame = parseDatagram(
    sip(
      [
        'SUBSCRIBE sip:alice@a.example.com SIP/2.0',
        'Via: SIP/2.0/TLS 198.51.100.20:5061;branch=z9hG4bK1',
        'Max-Forwards: 70',
        'From: <sip:bob@b.example.net>;tag=1',
        'To: <sip:alice@a.example.com>',
        'Call-ID: rr-1',
        'CSeq: 1 SUBSCRIBE',
        'Event: presence',
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('test request did not parse');
  return frame.message;
}

describe('RFC 5658 double Record-Route on a shared connection', () => {
  it('F4 a request arriving on a connection the edge opened records the listener of that side, which the peer can reach', () => {
    // The edge dialled the peer: the connection's local end is an ephemeral port, not a listener.
    const arrival = new RecordingFlow({ protocol: 'tls', side: 'external' });
    Object.assign(arrival, { local: { address: '203.0.113.1', port: 40_112 } });
    const target = { protocol: 'tcp' as const, address: '10.0.0.6', port: 5060, side: 'internal' as const };
    expect(recordRouteEntries(subscribe(), arrival, target, local)).toEqual([
      '<sip:192.0.2.1:5060;transport=tcp;lr>',
      '<sip:203.0.113.1:5061;transport=tls;lr>',
    ]);
  });
});
