import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { MESSAGE_REQUEST, sip } from '../../test/support/sip-text.js';
import { createResponse } from '../sip/create-response.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { ServerNonInviteTransaction } from './server-non-invite-transaction.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';

function message(): IncomingRequest {
  const frame = parseDatagram(sip(MESSAGE_REQUEST), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('expected a request');
  return frame.message;
}

function receive(protocol: 'udp' | 'tls' = 'udp') {
  const clock = new FakeClock();
  const flow = new RecordingFlow({ protocol });
  const sent: string[] = [];
  const request = message();
  const transaction = new ServerNonInviteTransaction(
    { id: 'n1', flow, clock, timers: DEFAULT_TRANSACTION_TIMERS },
    {
      request,
      responseSender: { sendResponse: (bytes) => void sent.push(bytes.toString('latin1').split('\r\n')[0]!) },
    },
  );
  const respond = (status: number) => transaction.respond(createResponse(request, status, { toTag: 'b1' }));
  return { clock, flow, sent, transaction, respond };
}

describe('the non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('MUST start in Trying and absorb a retransmitted request there', () => {
    const { sent, transaction } = receive();
    expect(transaction.state).toBe('trying');
    transaction.receiveRetransmission();
    expect(sent).toEqual([]);
  });

  it('MUST absorb a retransmitted request in Proceeding and resend the last provisional', () => {
    const { sent, transaction, respond } = receive();
    respond(100);
    expect(transaction.state).toBe('proceeding');
    transaction.receiveRetransmission();
    expect(sent).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 100 Trying']);
  });

  it('MUST absorb a retransmitted request in Completed and resend the final response', () => {
    const { sent, transaction, respond } = receive();
    respond(200);
    expect(transaction.state).toBe('completed');
    transaction.receiveRetransmission();
    expect(sent).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  });

  it('MUST stay in Completed for 64*T1 over UDP (timer J), then terminate', () => {
    const { clock, transaction, respond } = receive();
    respond(202);
    clock.advance(31_999);
    expect(transaction.state).toBe('completed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
    expect(clock.pending).toBe(0);
  });

  it('MUST set timer J to zero over a reliable transport', () => {
    const { flow, transaction, respond } = receive('tls');
    respond(403);
    expect(transaction.state).toBe('terminated');
    expect(flow.refs).toBe(0);
  });

  it('MUST refuse any response once the final has been sent', () => {
    const { respond } = receive();
    respond(404);
    expect(() => respond(200)).toThrow(
      expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID', state: 'completed' }),
    );
    expect(() => respond(180)).toThrow(expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID' }));
  });

  it('MUST refuse a message that is not a response', () => {
    const { transaction } = receive();
    const bogus = createResponse(message(), 200);
    bogus.startLine = 'MESSAGE sip:bob@b.example.net SIP/2.0';
    expect(() => transaction.respond(bogus)).toThrow(expect.objectContaining({ code: 'STATUS_CODE_INVALID' }));
  });
});
