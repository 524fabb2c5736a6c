import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../observability/logger.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow } from '../transport/flow.js';
import { ResponseDispatcher } from './response-dispatcher.js';

/** A MESSAGE whose top Via is `via` (by default a peer edge's, naming its own address). */
function request(via = 'SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-dispatch'): IncomingRequest {
  const text = [
    'MESSAGE sip:alice@a.example.com SIP/2.0',
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:bob@b.example.net>;tag=b1',
    'To: <sip:alice@a.example.com>',
    'Call-ID: dispatch@b.example.net',
    'CSeq: 1 MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const frame = parseDatagram(Buffer.from(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('expected a request');
  return frame.message;
}

const RESPONSE = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');

/** Send RESPONSE for a request that arrived on `arrival`; `replacement` is what a new connection would be. */
function respondOver(arrival: RecordingFlow) {
  const replacement = new RecordingFlow({ protocol: 'tls' });
  const connect = vi.fn(async (): Promise<Flow> => replacement);
  new ResponseDispatcher({ connect }, silentLogger()).sendResponse(RESPONSE, request(), arrival);
  return { replacement, connect };
}

describe('where a response goes (RFC 3261 §18.2.2)', () => {
  it('MUST send it over the connection the request came on while that is open', () => {
    const arrival = new RecordingFlow({ protocol: 'tls' });
    const { connect } = respondOver(arrival);
    expect(arrival.sent).toHaveLength(1);
    expect(connect).not.toHaveBeenCalled();
  });

  it("MUST open a connection to the source address at the sent-by port when the request's connection has closed", async () => {
    const arrival = new RecordingFlow({ protocol: 'tls' });
    arrival.isOpen = false;
    const { replacement, connect } = respondOver(arrival);
    await vi.waitFor(() => expect(replacement.sent).toHaveLength(1));
    expect(connect).toHaveBeenCalledOnce();
  });

  it('Y4 drops it, without a new connection, when the open connection is over its pending-bytes cap', async () => {
    const arrival = new RecordingFlow({ protocol: 'tls' });
    arrival.accepting = false;
    const { replacement, connect } = respondOver(arrival);
    await new Promise((resolve) => setImmediate(resolve));
    expect(connect).not.toHaveBeenCalled();
    expect(replacement.sent).toHaveLength(0);
  });

  describe('B3 never to a host a Via names (RFC 3261 §18.2.2, RFC 3581)', () => {
    function respondOverUdp(via: string, source = { address: '10.0.0.99', port: 40_000 }) {
      const arrival = new RecordingFlow({ protocol: 'udp', remote: source });
      const connect = vi.fn(
        async (target: { address: string; port: number }): Promise<Flow> =>
          new RecordingFlow({ protocol: 'udp', remote: target }),
      );
      new ResponseDispatcher({ connect }, silentLogger()).sendResponse(RESPONSE, request(via), arrival);
      return { arrival, connect };
    }

    it('with rport, over the flow it came on: the source address and port', () => {
      const { arrival, connect } = respondOverUdp('SIP/2.0/UDP attacker.example.org:5099;branch=z9hG4bK-r;rport');
      expect(arrival.sent).toHaveLength(1);
      expect(connect).not.toHaveBeenCalled();
    });

    it('without rport, to the source address at the sent-by port, whatever host or received the Via names', async () => {
      const { arrival, connect } = respondOverUdp(
        'SIP/2.0/UDP victim.example.org:5099;received=192.0.2.66;branch=z9hG4bK-n',
      );
      await vi.waitFor(() => expect(connect).toHaveBeenCalledOnce());
      expect(arrival.sent).toHaveLength(0);
      expect(connect.mock.calls[0]![0]).toMatchObject({ protocol: 'udp', address: '10.0.0.99', port: 5099 });
    });
  });
});
