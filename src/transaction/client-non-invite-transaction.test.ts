import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { createRequest } from '../sip/create-request.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingResponse } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { ClientNonInviteTransaction, type ClientNonInviteState } from './client-non-invite-transaction.js';
import { TransactionStateError } from './transaction-state-error.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';

const BRANCH = 'z9hG4bKmsg1';

function response(status: number, reason: string): IncomingResponse {
  const frame = parseDatagram(
    sip(
      [
        `SIP/2.0 ${status} ${reason}`,
        `Via: SIP/2.0/UDP edge.a.example.com;branch=${BRANCH}`,
        'From: <sip:alice@a.example.com>;tag=a1',
        'To: <sip:bob@b.example.net>;tag=b1',
        'Call-ID: msg-1@a.example.com',
        'CSeq: 1 MESSAGE',
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

class ProbedRequest extends ClientNonInviteTransaction {
  force(state: ClientNonInviteState): void {
    this.moveTo(state);
  }
}

function start(protocol: 'udp' | 'tls' = 'udp') {
  const clock = new FakeClock();
  const flow = new RecordingFlow({ protocol });
  const handlers = { onResponse: vi.fn(), onTimeout: vi.fn(), onTransportError: vi.fn() };
  const request = createRequest({
    method: 'MESSAGE',
    requestUri: 'sip:bob@b.example.net',
    from: '<sip:alice@a.example.com>;tag=a1',
    to: '<sip:bob@b.example.net>',
    callId: 'msg-1@a.example.com',
    cseq: 1,
    via: `SIP/2.0/UDP edge.a.example.com;branch=${BRANCH}`,
    localHost: 'edge.a.example.com',
  });
  const transaction = new ProbedRequest(
    { id: 'm1', flow, clock, timers: DEFAULT_TRANSACTION_TIMERS },
    { request, branch: BRANCH, method: 'MESSAGE', handlers },
  );
  transaction.start();
  return { clock, flow, handlers, transaction };
}

/** Advance to each time (ms since start) and record how many messages had been sent by then. */
function sentAt(clock: FakeClock, flow: RecordingFlow, times: number[]): number[] {
  let now = 0;
  return times.map((t) => {
    clock.advance(t - now);
    now = t;
    return flow.sent.length;
  });
}

describe('the non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('MUST send the request and enter the Trying state', () => {
    const { flow, transaction } = start();
    expect(flow.sentStartLines).toEqual(['MESSAGE sip:bob@b.example.net SIP/2.0']);
    expect(transaction.state).toBe('trying');
  });

  it('MUST retransmit at T1, 2*T1, 4*T1 … capped at T2 in Trying (timer E)', () => {
    const { clock, flow } = start();
    // Sends at 0, 0.5, 1.5, 3.5, 7.5 s, then every T2 (4 s): 11.5, 15.5 s.
    expect(sentAt(clock, flow, [499, 500, 1500, 3500, 7500, 11_499, 11_500, 15_500])).toEqual([1, 2, 3, 4, 5, 5, 6, 7]);
  });

  it('MUST retransmit every T2 once in Proceeding', () => {
    const { clock, flow, transaction } = start();
    transaction.receiveResponse(response(100, 'Trying'));
    expect(transaction.state).toBe('proceeding');
    // Timer E keeps its running value (T1) once, then fires every T2.
    expect(sentAt(clock, flow, [500, 4499, 4500, 8500])).toEqual([2, 2, 3, 4]);
  });

  it('MUST NOT retransmit over a reliable transport', () => {
    const { clock, flow } = start('tls');
    clock.advance(31_999);
    expect(flow.sent).toHaveLength(1);
  });

  it('MUST inform the TU of a timeout when timer F fires (64*T1), in Trying or Proceeding', () => {
    const { clock, handlers, transaction } = start();
    transaction.receiveResponse(response(100, 'Trying'));
    clock.advance(31_999);
    expect(handlers.onTimeout).not.toHaveBeenCalled();
    clock.advance(1);
    expect(handlers.onTimeout).toHaveBeenCalledTimes(1);
    expect(transaction.state).toBe('terminated');
    expect(clock.pending).toBe(0);
  });

  it('MUST pass the final response up, stop retransmitting and absorb its retransmissions for T4 (timer K)', () => {
    const { clock, flow, handlers, transaction } = start();
    transaction.receiveResponse(response(202, 'Accepted'));
    expect(transaction.state).toBe('completed');
    transaction.receiveResponse(response(202, 'Accepted'));
    expect(handlers.onResponse).toHaveBeenCalledTimes(1);
    clock.advance(4999);
    expect(transaction.state).toBe('completed');
    expect(flow.sent).toHaveLength(1);
    clock.advance(1);
    expect(transaction.state).toBe('terminated');
    expect(handlers.onTimeout).not.toHaveBeenCalled();
  });

  it('MUST set timer K to zero over a reliable transport', () => {
    const { transaction } = start('tls');
    transaction.receiveResponse(response(403, 'Forbidden'));
    expect(transaction.state).toBe('terminated');
  });

  it('MUST inform the TU of a transport error when a retransmission cannot be sent', () => {
    const { clock, flow, handlers } = start();
    flow.accepting = false;
    clock.advance(500);
    expect(handlers.onTransportError).toHaveBeenCalledTimes(1);
  });

  it('MUST inform the TU of a transport error when its flow closes before the final', () => {
    const { handlers, transaction } = start('tls');
    transaction.flowClosed();
    expect(handlers.onTransportError).toHaveBeenCalledTimes(1);
    expect(transaction.terminationCause).toBe('transport-error');
  });

  it('MUST refuse to leave Terminated', () => {
    const { transaction } = start('tls');
    transaction.receiveResponse(response(200, 'OK'));
    expect(() => transaction.force('trying')).toThrow(TransactionStateError);
  });
});
