import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { createResponse } from '../sip/create-response.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { ResponseSender } from './response-sender.js';
import { ServerInviteTransaction } from './server-invite-transaction.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';

function request(method: 'INVITE' | 'ACK', toTag?: string): IncomingRequest {
  const frame = parseDatagram(
    sip(
      [
        `${method} sip:bob@b.example.net SIP/2.0`,
        'Via: SIP/2.0/UDP pc33.a.example.com;branch=z9hG4bK776asdhds',
        'Max-Forwards: 70',
        'From: <sip:alice@a.example.com>;tag=1928301774',
        `To: <sip:bob@b.example.net>${toTag === undefined ? '' : `;tag=${toTag}`}`,
        'Call-ID: a84b4c76e66710@pc33.a.example.com',
        `CSeq: 314159 ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('expected a request');
  return frame.message;
}

function receive(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new FakeClock();
  const flow = new RecordingFlow({ protocol });
  const sent: string[] = [];
  const responseSender: ResponseSender = {
    sendResponse: (bytes) => void sent.push(bytes.toString('latin1').split('\r\n')[0]!),
  };
  const invite = request('INVITE');
  const transaction = new ServerInviteTransaction(
    { id: 's1', flow, clock, timers: DEFAULT_TRANSACTION_TIMERS },
    { request: invite, responseSender },
  );
  const respond = (status: number) => transaction.respond(createResponse(invite, status, { toTag: 'b1' }));
  return { clock, flow, sent, invite, transaction, respond };
}

/** Advance to each time (ms since start) and record how many responses had been sent by then. */
function sentAt(clock: FakeClock, sent: string[], times: number[]): number[] {
  let now = clock.now();
  return times.map((t) => {
    clock.advance(t - now);
    now = t;
    return sent.length;
  });
}

describe('the INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  it('MUST send 100 Trying when the TU has sent no provisional within 200 ms', () => {
    const { clock, sent } = receive();
    clock.advance(199);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent).toEqual(['SIP/2.0 100 Trying']);
  });

  it('MUST NOT send its own 100 Trying once the TU has sent a provisional', () => {
    const { clock, sent, respond } = receive();
    respond(180);
    clock.advance(1000);
    expect(sent).toEqual(['SIP/2.0 180 Ringing']);
  });

  it('MUST absorb a retransmitted request and resend the last provisional response', () => {
    const { sent, transaction, respond } = receive();
    transaction.receiveRetransmission();
    expect(sent).toEqual([]);
    respond(100);
    respond(183);
    transaction.receiveRetransmission();
    expect(sent).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 183 Session Progress', 'SIP/2.0 183 Session Progress']);
  });

  it('MUST retransmit a non-2xx final at T1, 2*T1 … capped at T2 over UDP until the ACK (timer G)', () => {
    const { clock, sent, transaction, respond } = receive();
    respond(486);
    expect(transaction.state).toBe('completed');
    // Sent at 0, then 0.5, 1.5, 3.5, 7.5, 11.5 s (capped at T2 = 4 s).
    expect(sentAt(clock, sent, [499, 500, 1500, 3500, 7500, 11_499, 11_500])).toEqual([1, 2, 3, 4, 5, 5, 6]);
    expect(new Set(sent)).toEqual(new Set(['SIP/2.0 486 Busy Here']));
  });

  it('MUST NOT retransmit the final over a reliable transport, yet still wait 64*T1 for the ACK (timer H)', () => {
    const { clock, sent, transaction, respond } = receive('tcp');
    respond(404);
    clock.advance(31_999);
    expect(sent).toHaveLength(1);
    expect(transaction.state).toBe('completed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
  });

  it('MUST resend the final on a retransmitted request in Completed', () => {
    const { sent, transaction, respond } = receive();
    respond(603);
    transaction.receiveRetransmission();
    expect(sent).toEqual(['SIP/2.0 603 Decline', 'SIP/2.0 603 Decline']);
  });

  it('MUST indicate a transaction failure to the TU when timer H fires without an ACK', () => {
    const { clock, transaction, respond } = receive();
    const causes: string[] = [];
    transaction.onTerminated((cause) => causes.push(cause));
    respond(480);
    clock.advance(32_000);
    expect(transaction.state).toBe('terminated');
    expect(causes).toEqual(['timeout']);
    expect(clock.pending).toBe(0);
  });

  it('MUST move to Confirmed on the ACK, stop retransmitting and absorb ACKs for T4 (timer I)', () => {
    const { clock, sent, transaction, respond } = receive();
    respond(486);
    expect(transaction.receiveAck(request('ACK', 'b1'))).toBe(true);
    expect(transaction.state).toBe('confirmed');
    expect(transaction.receiveAck(request('ACK', 'b1'))).toBe(true);
    transaction.receiveRetransmission();
    clock.advance(4999);
    expect(sent).toHaveLength(1);
    expect(transaction.state).toBe('confirmed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
    expect(transaction.terminationCause).toBe('completed');
  });

  it('MUST set timer I to zero over a reliable transport', () => {
    const { transaction, respond } = receive('tcp');
    respond(486);
    transaction.receiveAck(request('ACK', 'b1'));
    expect(transaction.state).toBe('terminated');
  });

  it('MUST enter Accepted on a 2xx and pass further 2xx from the TU to the transport (RFC 6026)', () => {
    const { sent, transaction, respond } = receive();
    respond(200);
    expect(transaction.state).toBe('accepted');
    respond(200);
    expect(sent).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  });

  it('MUST absorb retransmitted INVITEs in Accepted and terminate when timer L fires (64*T1)', () => {
    const { clock, sent, transaction, respond } = receive();
    respond(200);
    transaction.receiveRetransmission();
    expect(sent).toHaveLength(1);
    clock.advance(31_999);
    expect(transaction.state).toBe('accepted');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
  });

  it('MUST pass an ACK arriving in Accepted to the TU', () => {
    const { transaction, respond } = receive();
    respond(200);
    expect(transaction.receiveAck(request('ACK', 'b1'))).toBe(false);
  });

  it('MUST refuse a provisional or a second final after the final response', () => {
    const { transaction, respond } = receive();
    respond(486);
    expect(() => respond(180)).toThrow(
      expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID', state: 'completed' }),
    );
    expect(() => respond(200)).toThrow(expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID' }));
    transaction.terminate();
    expect(() => respond(500)).toThrow(expect.objectContaining({ state: 'terminated' }));
  });

  it('MUST refuse a non-2xx final in Accepted', () => {
    const { respond } = receive();
    respond(200);
    expect(() => respond(487)).toThrow(expect.objectContaining({ state: 'accepted' }));
  });

  it('holds its flow while live and releases it on Terminated', () => {
    const { flow, transaction } = receive();
    expect(flow.refs).toBe(1);
    transaction.terminate();
    expect(flow.refs).toBe(0);
  });
});
