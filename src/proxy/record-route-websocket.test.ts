import { describe, expect, it } from 'vitest';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { parseUri, type SipUri } from '../sip/uri.js';
import { readFlowToken } from './flow-token.js';
import { LocalAddresses } from './local-addresses.js';
import { recordRouteEntries } from './record-route.js';

const local = new LocalAddresses([
  { side: 'internal', protocol: 'ws', address: '192.0.2.1', port: 8080 },
  { side: 'internal', protocol: 'tcp', address: '192.0.2.1', port: 5060 },
  { side: 'external', protocol: 'tls', address: '203.0.113.1', port: 5061 },
]);

function subscribe(via: string): IncomingRequest {
  const frame = parseDatagram(
    sip(
      [
        'SUBSCRIBE sip:bob@b.example.net SIP/2.0',
        `Via: ${via};branch=z9hG4bK1`,
        'Max-Forwards: 70',
        'From: <sip:alice@a.example.com>;tag=1',
        'To: <sip:bob@b.example.net>',
        'Call-ID: rr-ws-1',
        'CSeq: 1 SUBSCRIBE',
        'Event: presence',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('test request did not parse');
  return frame.message;
}

describe('I7 Record-Route towards a WebSocket client (RFC 7118 §5, RFC 5658)', () => {
  it('I7 a browser dialog leaving for a peer records the tls listener and the ws listener with the flow', () => {
    const arrival = new RecordingFlow({
      protocol: 'ws',
      side: 'internal',
      remote: { address: '198.51.100.9', port: 51_000 },
    });
    Object.assign(arrival, { local: { address: '192.0.2.1', port: 8080 } });
    const target = { protocol: 'tls' as const, address: '198.51.100.20', port: 5061, side: 'external' as const };
    const [outbound, inbound] = recordRouteEntries(subscribe('SIP/2.0/WS x7.invalid'), arrival, target, local);
    expect(outbound).toBe('<sip:203.0.113.1:5061;transport=tls;lr>');
    expect(inbound).toMatch(/^<sip:[^@]+@192\.0\.2\.1:8080;transport=ws;lr>$/);
    // The peer's requests later in the dialog come back over the browser's own connection (B3).
    const user = (parseUri(inbound!.slice(1, -1)) as SipUri).user!;
    expect(readFlowToken(user)).toEqual({ protocol: 'ws', address: '198.51.100.9', port: 51_000 });
  });

  it('I7 a dialog from a peer to a browser binding records the ws listener facing the browser, then the tls one', () => {
    const arrival = new RecordingFlow({ protocol: 'tls', side: 'external' });
    Object.assign(arrival, { local: { address: '203.0.113.1', port: 5061 } });
    const target = { protocol: 'ws' as const, address: '198.51.100.9', port: 51_000, side: 'internal' as const };
    expect(recordRouteEntries(subscribe('SIP/2.0/TLS 198.51.100.20:5061'), arrival, target, local)).toEqual([
      '<sip:192.0.2.1:8080;transport=ws;lr>',
      '<sip:203.0.113.1:5061;transport=tls;lr>',
    ]);
  });

  it('I7 the edge knows its ws Record-Route entry as its own when a browser routes back through it', () => {
    const own = parseUri('sip:192.0.2.1:8080;transport=ws;lr') as SipUri;
    expect(local.isOwnUri(own)).toMatchObject({ protocol: 'ws', port: 8080 });
  });
});
