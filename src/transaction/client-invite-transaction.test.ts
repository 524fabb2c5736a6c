import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { createRequest } from '../sip/create-request.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingResponse } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { ClientInviteTransaction, type ClientInviteState } from './client-invite-transaction.js';
import { TransactionStateError } from './transaction-state-error.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';

const BRANCH = 'z9hG4bKclient1';

function response(status: number, reason: string, toTag = 'b1'): IncomingResponse {
  const frame = parseDatagram(
    sip(
      [
        `SIP/2.0 ${status} ${reason}`,
        `Via: SIP/2.0/UDP edge.a.example.com;branch=${BRANCH}`,
        'Via: SIP/2.0/TLS ua.a.example.com;branch=z9hG4bKua1',
        'From: <sip:alice@a.example.com>;tag=a1',
        `To: <sip:bob@b.example.net>${status === 100 ? '' : `;tag=${toTag}`}`,
        'Call-ID: call-1@a.example.com',
        'CSeq: 7 INVITE',
        'Content-Length: 0',
        '',
        '',
      ].join('\n'),
    ),
    DEFAULT_PARSER_LIMITS,
  );
  if (frame.kind !== 'message' || frame.message.kind !== 'response') throw new Error('expected a response');
  return frame.message;
}

class ProbedInvite extends ClientInviteTransaction {
  force(state: ClientInviteState): void {
    this.moveTo(state);
  }
}

function start(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new FakeClock();
  const flow = new RecordingFlow({ protocol });
  const handlers = { onResponse: vi.fn(), onTimeout: vi.fn(), onTransportError: vi.fn() };
  const request = createRequest({
    method: 'INVITE',
    requestUri: 'sip:bob@b.example.net',
    from: '<sip:alice@a.example.com>;tag=a1',
    to: '<sip:bob@b.example.net>',
    callId: 'call-1@a.example.com',
    cseq: 7,
    via: `SIP/2.0/UDP edge.a.example.com;branch=${BRANCH}`,
    localHost: 'edge.a.example.com',
    headers: [
      ['Route', '<sip:proxy.b.example.net;lr>'],
      ['Contact', '<sip:alice@ua.a.example.com>'],
    ],
  });
  request.append('Via', 'SIP/2.0/TLS ua.a.example.com;branch=z9hG4bKua1');
  const transaction = new ProbedInvite(
    { id: 'c1', flow, clock, timers: DEFAULT_TRANSACTION_TIMERS },
    { request, branch: BRANCH, handlers },
  );
  transaction.start();
  return { clock, flow, handlers, transaction };
}

describe('the INVITE client transaction (RFC 3261 §17.1.1)', () => {
  it('MUST send the INVITE and enter the Calling state', () => {
    const { flow, transaction } = start();
    expect(flow.sentStartLines).toEqual(['INVITE sip:bob@b.example.net SIP/2.0']);
    expect(transaction.state).toBe('calling');
  });

  it('MUST retransmit the request at T1, 2*T1, 4*T1 … over UDP (timer A)', () => {
    const { clock, flow } = start();
    clock.advance(499);
    expect(flow.sent).toHaveLength(1);
    clock.advance(1); // 500 ms
    expect(flow.sent).toHaveLength(2);
    clock.advance(1000); // 1.5 s
    expect(flow.sent).toHaveLength(3);
    clock.advance(2000); // 3.5 s
    expect(flow.sent).toHaveLength(4);
    clock.advance(4000); // 7.5 s: timer A is not capped at T2 for INVITE
    expect(flow.sent).toHaveLength(5);
    clock.advance(7999);
    expect(flow.sent).toHaveLength(5);
    expect(flow.sent.every((b) => b.equals(flow.sent[0]!))).toBe(true);
  });

  it('MUST NOT retransmit over a reliable transport', () => {
    const { clock, flow } = start('tcp');
    clock.advance(31_999);
    expect(flow.sent).toHaveLength(1);
  });

  it('MUST inform the TU of a timeout when timer B fires (64*T1)', () => {
    const { clock, handlers, transaction } = start();
    clock.advance(31_999);
    expect(handlers.onTimeout).not.toHaveBeenCalled();
    clock.advance(1);
    expect(handlers.onTimeout).toHaveBeenCalledTimes(1);
    expect(transaction.state).toBe('terminated');
    expect(transaction.terminationCause).toBe('timeout');
    expect(clock.pending).toBe(0);
  });

  it('MUST enter Proceeding on a provisional response, pass it up and stop retransmitting', () => {
    const { clock, flow, handlers, transaction } = start();
    transaction.receiveResponse(response(180, 'Ringing'));
    expect(transaction.state).toBe('proceeding');
    expect(transaction.receivedProvisional).toBe(true);
    expect(handlers.onResponse).toHaveBeenCalledTimes(1);
    clock.advance(60_000);
    expect(flow.sent).toHaveLength(1);
    expect(handlers.onTimeout).not.toHaveBeenCalled(); // timer B bounds only Calling
  });

  it('MUST pass further provisional responses in Proceeding to the TU', () => {
    const { handlers, transaction } = start();
    transaction.receiveResponse(response(100, 'Trying'));
    transaction.receiveResponse(response(183, 'Session Progress'));
    expect(handlers.onResponse).toHaveBeenCalledTimes(2);
    expect(transaction.state).toBe('proceeding');
  });

  it('MUST generate the ACK for a non-2xx final response and resend it on a retransmitted final', () => {
    const { flow, handlers, transaction } = start();
    transaction.receiveResponse(response(486, 'Busy Here'));
    expect(transaction.state).toBe('completed');
    expect(handlers.onResponse).toHaveBeenCalledTimes(1);
    const ack = flow.sentText[1]!;
    expect(ack.split('\r\n')).toEqual([
      'ACK sip:bob@b.example.net SIP/2.0',
      `Via: SIP/2.0/UDP edge.a.example.com;branch=${BRANCH}`,
      'Max-Forwards: 70',
      'From: <sip:alice@a.example.com>;tag=a1',
      'To: <sip:bob@b.example.net>;tag=b1',
      'Call-ID: call-1@a.example.com',
      'CSeq: 7 ACK',
      'Route: <sip:proxy.b.example.net;lr>',
      'Content-Length: 0',
      '',
      '',
    ]);
    transaction.receiveResponse(response(486, 'Busy Here'));
    expect(flow.sent).toHaveLength(3);
    expect(flow.sent[2]!.equals(flow.sent[1]!)).toBe(true);
    expect(handlers.onResponse).toHaveBeenCalledTimes(1);
  });

  it('MUST keep Completed for 32 s over UDP (timer D), then terminate', () => {
    const { clock, transaction } = start();
    transaction.receiveResponse(response(603, 'Decline'));
    clock.advance(31_999);
    expect(transaction.state).toBe('completed');
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
    expect(transaction.terminationCause).toBe('completed');
  });

  it('MUST set timer D to zero over a reliable transport', () => {
    const { flow, transaction } = start('tcp');
    transaction.receiveResponse(response(404, 'Not Found'));
    expect(transaction.state).toBe('terminated');
    expect(flow.sentStartLines[1]).toBe('ACK sip:bob@b.example.net SIP/2.0');
  });

  it('MUST move to Accepted on a 2xx, pass it up without generating an ACK, and end when timer M fires (RFC 6026 §8.4)', () => {
    const { clock, flow, handlers, transaction } = start();
    transaction.receiveResponse(response(200, 'OK'));
    expect(transaction.state).toBe('accepted');
    expect(handlers.onResponse).toHaveBeenCalledTimes(1);
    expect(flow.sent).toHaveLength(1);
    clock.advance(64 * 500);
    expect(transaction.state).toBe('terminated');
    expect(clock.pending).toBe(0);
  });

  it('MUST pass a retransmitted 2xx up while Accepted (RFC 6026 §8.4)', () => {
    const { handlers, transaction } = start();
    transaction.receiveResponse(response(200, 'OK'));
    transaction.receiveResponse(response(200, 'OK'));
    expect(handlers.onResponse).toHaveBeenCalledTimes(2);
    expect(transaction.state).toBe('accepted');
  });

  it('MUST inform the TU of a transport error when the INVITE cannot be sent, after sendRequest returns', () => {
    const clock = new FakeClock();
    const flow = new RecordingFlow();
    flow.accepting = false;
    const handlers = { onResponse: vi.fn(), onTimeout: vi.fn(), onTransportError: vi.fn() };
    const request = createRequest({
      method: 'INVITE',
      requestUri: 'sip:bob@b.example.net',
      from: '<sip:a@a.example.com>',
      to: '<sip:bob@b.example.net>',
      cseq: 1,
      via: `SIP/2.0/UDP e.a.example.com;branch=${BRANCH}`,
      localHost: 'e',
    });
    const transaction = new ClientInviteTransaction(
      { id: 'c', flow, clock, timers: DEFAULT_TRANSACTION_TIMERS },
      { request, branch: BRANCH, handlers },
    );
    transaction.start();
    expect(handlers.onTransportError).not.toHaveBeenCalled();
    clock.flush();
    expect(handlers.onTransportError).toHaveBeenCalledTimes(1);
    expect(transaction.terminationCause).toBe('transport-error');
  });

  it('MUST inform the TU of a transport error when the flow closed before a retransmission', () => {
    const { clock, flow, handlers, transaction } = start();
    flow.close('gone');
    clock.advance(500);
    expect(handlers.onTransportError).toHaveBeenCalledTimes(1);
    expect(transaction.state).toBe('terminated');
  });

  it('MUST treat a flow closed when timer B fires as a transport error, not a timeout', () => {
    const { clock, flow, handlers } = start('tcp');
    flow.close('reset');
    clock.advance(32_000);
    expect(handlers.onTransportError).toHaveBeenCalledTimes(1);
    expect(handlers.onTimeout).not.toHaveBeenCalled();
  });

  it('holds its flow while live and releases it on Terminated', () => {
    const { clock, flow, transaction } = start();
    expect(flow.refs).toBe(1);
    transaction.receiveResponse(response(200, 'OK'));
    clock.advance(64 * 500);
    expect(flow.refs).toBe(0);
  });

  it('stops every timer on terminate() without calling a handler', () => {
    const { clock, handlers, transaction } = start();
    transaction.terminate();
    expect(clock.pending).toBe(0);
    expect(transaction.terminationCause).toBe('closed');
    clock.advance(60_000);
    expect(handlers.onTimeout).not.toHaveBeenCalled();
  });

  it('MUST refuse to move from Completed back to Proceeding', () => {
    const { transaction } = start();
    transaction.receiveResponse(response(500, 'Server Internal Error'));
    expect(() => transaction.force('proceeding')).toThrow(TransactionStateError);
    expect(() => transaction.force('calling')).toThrow(
      expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID', state: 'completed' }),
    );
  });
});
