import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { createRequest } from '../sip/create-request.js';
import { createResponse } from '../sip/create-response.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingMessage, IncomingRequest, IncomingResponse } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow } from '../transport/flow.js';
import type { ServerTransaction } from './server-transaction.js';
import { TransactionLayer, type TransactionUser } from './transaction-layer.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';

interface Spec {
  readonly method?: string;
  /** `null`: a Via without a branch parameter (an RFC 2543 sender). */
  readonly branch?: string | null;
  readonly sentBy?: string;
  readonly seq?: number;
  readonly cseqMethod?: string;
  readonly toTag?: string;
  readonly callId?: string;
}

function parse(lines: string[]): IncomingMessage {
  const frame = parseDatagram(sip([...lines, 'Content-Length: 0', '', ''].join('\n')), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error(`expected a message, got ${frame.kind}`);
  return frame.message;
}

function headers(spec: Spec, method: string): string[] {
  const branch =
    spec.branch === undefined ? ';branch=z9hG4bKua1' : spec.branch === null ? '' : `;branch=${spec.branch}`;
  return [
    `Via: SIP/2.0/UDP ${spec.sentBy ?? 'pc33.a.example.com'}${branch}`,
    'From: <sip:alice@a.example.com>;tag=1928301774',
    `To: <sip:bob@b.example.net>${spec.toTag === undefined ? '' : `;tag=${spec.toTag}`}`,
    `Call-ID: ${spec.callId ?? 'a84b4c76e66710@pc33.a.example.com'}`,
    `CSeq: ${spec.seq ?? 314159} ${spec.cseqMethod ?? method}`,
  ];
}

function request(spec: Spec = {}): IncomingRequest {
  const method = spec.method ?? 'INVITE';
  const message = parse([`${method} sip:bob@b.example.net SIP/2.0`, ...headers(spec, method), 'Max-Forwards: 70']);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

function response(status: number, spec: Spec = {}): IncomingResponse {
  const message = parse([`SIP/2.0 ${status} Whatever`, ...headers({ toTag: 'b1', ...spec }, spec.method ?? 'INVITE')]);
  if (message.kind !== 'response') throw new Error('expected a response');
  return message;
}

function layer() {
  const clock = new FakeClock();
  const flow = new RecordingFlow();
  const requests: Array<{ request: IncomingRequest; transaction: ServerTransaction }> = [];
  const user = {
    onRequest: vi.fn(
      (request: IncomingRequest, transaction: ServerTransaction) => void requests.push({ request, transaction }),
    ),
    onAck: vi.fn<(ack: IncomingRequest, flow: Flow) => void>(),
    onStrayResponse: vi.fn<(response: IncomingResponse, flow: Flow) => void>(),
  } satisfies TransactionUser;
  const sent: string[] = [];
  const responseSender = {
    sendResponse: (bytes: Buffer) => void sent.push(bytes.toString('latin1').split('\r\n')[0]!),
  };
  const transactions = new TransactionLayer({ clock, timers: DEFAULT_TRANSACTION_TIMERS, user, responseSender });
  return { clock, flow, user, requests, sent, transactions };
}

function outgoing(method: string, branch: string) {
  return createRequest({
    method,
    requestUri: 'sip:bob@b.example.net',
    from: '<sip:alice@a.example.com>;tag=1928301774',
    to: '<sip:bob@b.example.net>',
    callId: 'a84b4c76e66710@pc33.a.example.com',
    cseq: 314159,
    via: `SIP/2.0/UDP pc33.a.example.com;branch=${branch}`,
    localHost: 'edge',
  });
}

function handlers() {
  return { onResponse: vi.fn(), onTimeout: vi.fn(), onTransportError: vi.fn() };
}

describe('the transaction layer: server side (RFC 3261 §17.2.3)', () => {
  it('MUST create a server transaction for a new request and hand it to the TU', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request(), flow);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.transaction.state).toBe('proceeding');
    expect(requests[0]!.transaction.flow).toBe(flow);
    expect(transactions.size).toBe(1);
  });

  it('MUST absorb a retransmitted request and resend the last response', () => {
    const { flow, requests, sent, transactions } = layer();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    const { request: first, transaction } = requests[0]!;
    transaction.respond(createResponse(first, 200));
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    expect(requests).toHaveLength(1);
    expect(sent).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  });

  it('B3 MUST NOT match a request on another transport or connection to a transaction it did not start', () => {
    const { flow, requests, sent, transactions } = layer();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    requests[0]!.transaction.respond(createResponse(requests[0]!.request, 200));
    // The same branch and sent-by over TCP: a new transaction, not the UDP one's stored 200 resent.
    transactions.receive(request({ method: 'MESSAGE' }), new RecordingFlow({ protocol: 'tcp', remote: flow.remote }));
    expect(requests).toHaveLength(2);
    expect(sent).toEqual(['SIP/2.0 200 OK']);
  });

  it('MUST match by branch, sent-by and method: another sent-by is another transaction', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request(), flow);
    transactions.receive(request({ sentBy: 'PC33.A.EXAMPLE.COM' }), flow); // host names ignore case
    transactions.receive(request({ sentBy: 'pc34.a.example.com' }), flow);
    expect(requests).toHaveLength(2);
  });

  it('MUST match an RFC 2543 request without a magic cookie by Call-ID, tags, CSeq and top Via', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request({ branch: null }), flow);
    transactions.receive(request({ branch: null }), flow);
    transactions.receive(request({ branch: '1234' }), flow); // a branch without the cookie is another top Via
    transactions.receive(request({ branch: null, seq: 314160 }), flow);
    transactions.receive(request({ branch: null, callId: 'other@pc33.a.example.com' }), flow);
    transactions.receive(request({ branch: null, toTag: 'x' }), flow);
    expect(requests).toHaveLength(5);
  });

  it('MUST match the ACK for a non-2xx final to its INVITE transaction and not pass it up', () => {
    const { flow, requests, user, transactions } = layer();
    transactions.receive(request(), flow);
    const { request: invite, transaction } = requests[0]!;
    transaction.respond(createResponse(invite, 486, { toTag: 'b1' }));
    transactions.receive(request({ method: 'ACK', toTag: 'b1' }), flow);
    expect(transaction.state).toBe('confirmed');
    expect(user.onAck).not.toHaveBeenCalled();
  });

  it('MUST match an RFC 2543 ACK by the To tag of the response', () => {
    const { flow, requests, user, transactions } = layer();
    transactions.receive(request({ branch: null }), flow);
    const { request: invite, transaction } = requests[0]!;
    transaction.respond(createResponse(invite, 486, { toTag: 'b1' }));
    transactions.receive(request({ method: 'ACK', branch: null, toTag: 'other' }), flow);
    expect(user.onAck).toHaveBeenCalledTimes(1);
    transactions.receive(request({ method: 'ACK', branch: null, toTag: 'b1' }), flow);
    expect(transaction.state).toBe('confirmed');
    expect(user.onAck).toHaveBeenCalledTimes(1);
  });

  it('MUST pass an ACK for a 2xx to the TU', () => {
    const { flow, requests, user, transactions } = layer();
    transactions.receive(request(), flow);
    const { request: invite, transaction } = requests[0]!;
    transaction.respond(createResponse(invite, 200, { toTag: 'b1' }));
    const ack = request({ method: 'ACK', branch: 'z9hG4bKack2xx', toTag: 'b1' });
    transactions.receive(ack, flow);
    expect(user.onAck).toHaveBeenCalledWith(ack, flow);
    expect(transaction.state).toBe('accepted');
  });

  it('MUST absorb a retransmitted INVITE after a 2xx instead of seeing a new request (RFC 6026)', () => {
    const { flow, requests, sent, transactions } = layer();
    transactions.receive(request(), flow);
    const { request: invite, transaction } = requests[0]!;
    transaction.respond(createResponse(invite, 200, { toTag: 'b1' }));
    transactions.receive(request(), flow);
    expect(requests).toHaveLength(1);
    expect(sent).toEqual(['SIP/2.0 200 OK']);
  });

  it('MUST give a CANCEL its own transaction and find the INVITE it cancels (§9.2)', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request(), flow);
    transactions.receive(request({ method: 'CANCEL' }), flow);
    expect(requests.map((r) => r.transaction.state)).toEqual(['proceeding', 'trying']);
    expect(transactions.findInviteServerTransaction(requests[1]!.request, flow)).toBe(requests[0]!.transaction);
    expect(
      transactions.findInviteServerTransaction(request({ method: 'CANCEL', branch: 'z9hG4bKother' }), flow),
    ).toBeUndefined();
    // The same CANCEL over another connection cancels nothing.
    expect(
      transactions.findInviteServerTransaction(requests[1]!.request, new RecordingFlow({ protocol: 'tcp' })),
    ).toBeUndefined();
  });

  it('MUST find the INVITE an RFC 2543 CANCEL cancels', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request({ branch: null }), flow);
    expect(transactions.findInviteServerTransaction(request({ method: 'CANCEL', branch: null }), flow)).toBe(
      requests[0]!.transaction,
    );
  });

  it('removes a transaction from the table once it terminates', () => {
    const { clock, flow, requests, transactions } = layer();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    const { request: message, transaction } = requests[0]!;
    transaction.respond(createResponse(message, 200));
    clock.advance(32_000);
    expect(transactions.size).toBe(0);
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    expect(requests).toHaveLength(2);
  });
});

describe('the transaction layer: client side (RFC 3261 §17.1.3)', () => {
  it('MUST match a response by its top Via branch and CSeq method', () => {
    const { flow, user, transactions } = layer();
    const invite = handlers();
    const cancel = handlers();
    transactions.sendRequest({
      request: outgoing('INVITE', 'z9hG4bKc1'),
      branch: 'z9hG4bKc1',
      flow,
      method: 'INVITE',
      handlers: invite,
    });
    const cancelTransaction = transactions.sendRequest({
      request: outgoing('CANCEL', 'z9hG4bKc1'),
      branch: 'z9hG4bKc1',
      flow,
      method: 'CANCEL',
      handlers: cancel,
    });
    transactions.receive(response(200, { branch: 'z9hG4bKc1', method: 'CANCEL' }), flow);
    transactions.receive(response(487, { branch: 'z9hG4bKc1' }), flow);
    expect(cancel.onResponse).toHaveBeenCalledTimes(1);
    expect(invite.onResponse).toHaveBeenCalledTimes(1);
    expect(cancelTransaction.state).toBe('completed');
    expect(user.onStrayResponse).not.toHaveBeenCalled();
  });

  it('MUST hand a response that matches no client transaction to the TU as a stray (§16.7)', () => {
    const { flow, user, transactions } = layer();
    const stray = response(200, { branch: 'z9hG4bKnone' });
    transactions.receive(stray, flow);
    expect(user.onStrayResponse).toHaveBeenCalledWith(stray, flow);
  });

  it('MUST hand a retransmitted 2xx to the INVITE client transaction while Accepted, and to the TU as a stray after timer M (RFC 6026)', () => {
    const { clock, flow, user, transactions } = layer();
    const invite = handlers();
    transactions.sendRequest({
      request: outgoing('INVITE', 'z9hG4bKc2'),
      branch: 'z9hG4bKc2',
      flow,
      method: 'INVITE',
      handlers: invite,
    });
    transactions.receive(response(200, { branch: 'z9hG4bKc2' }), flow);
    transactions.receive(response(200, { branch: 'z9hG4bKc2' }), flow);
    expect(invite.onResponse).toHaveBeenCalledTimes(2);
    clock.advance(64 * 500);
    transactions.receive(response(200, { branch: 'z9hG4bKc2' }), flow);
    expect(user.onStrayResponse).toHaveBeenCalledTimes(1);
  });

  it('MUST inform the TU of a transport error when the flow closes before the final (§17.1.4)', () => {
    const { flow, transactions } = layer();
    const invite = handlers();
    const transaction = transactions.sendRequest({
      request: outgoing('INVITE', 'z9hG4bKc3'),
      branch: 'z9hG4bKc3',
      flow,
      method: 'INVITE',
      handlers: invite,
    });
    transactions.receive(response(180, { branch: 'z9hG4bKc3' }), flow);
    expect(transaction.receivedProvisional).toBe(true);
    flow.close('reset');
    transactions.flowClosed(flow);
    expect(invite.onTransportError).toHaveBeenCalledTimes(1);
    expect(transactions.size).toBe(0);
  });

  it('refuses a second client transaction with the same branch and method, and one for an ACK', () => {
    const { flow, transactions } = layer();
    transactions.sendRequest({
      request: outgoing('OPTIONS', 'z9hG4bKc4'),
      branch: 'z9hG4bKc4',
      flow,
      method: 'OPTIONS',
      handlers: handlers(),
    });
    expect(() =>
      transactions.sendRequest({
        request: outgoing('OPTIONS', 'z9hG4bKc4'),
        branch: 'z9hG4bKc4',
        flow,
        method: 'OPTIONS',
        handlers: handlers(),
      }),
    ).toThrow(expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID' }));
    expect(() =>
      transactions.sendRequest({
        request: outgoing('ACK', 'z9hG4bKc5'),
        branch: 'z9hG4bKc5',
        flow,
        method: 'ACK',
        handlers: handlers(),
      }),
    ).toThrow(expect.objectContaining({ code: 'TRANSACTION_STATE_INVALID' }));
  });
});

describe('the transaction layer: lifecycle', () => {
  it('resolves drain() when the last transaction terminates', async () => {
    const { clock, flow, requests, transactions } = layer();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    const client = transactions.sendRequest({
      request: outgoing('OPTIONS', 'z9hG4bKd1'),
      branch: 'z9hG4bKd1',
      flow,
      method: 'OPTIONS',
      handlers: handlers(),
    });
    let drained = false;
    const done = transactions.drain().then(() => (drained = true));
    requests[0]!.transaction.respond(createResponse(requests[0]!.request, 200));
    clock.advance(32_000); // timer J ends the server transaction; timer F the client one
    expect(client.state).toBe('terminated');
    await done;
    expect(drained).toBe(true);
    await expect(transactions.drain()).resolves.toBeUndefined();
  });

  it('Y4 fails a client transaction once when its flow closes inside the first send (§17.1.4)', () => {
    const { clock, transactions } = layer();
    const flow = new RecordingFlow();
    flow.send = () => {
      flow.isOpen = false;
      transactions.flowClosed(flow);
      return false;
    };
    const client = handlers();
    transactions.sendRequest({
      request: outgoing('MESSAGE', 'z9hG4bKclosing'),
      branch: 'z9hG4bKclosing',
      flow,
      method: 'MESSAGE',
      handlers: client,
    });
    expect(() => clock.advance(100)).not.toThrow();
    expect(client.onTransportError).toHaveBeenCalledTimes(1);
    expect(transactions.size).toBe(0);
  });

  it('O5 counts as unanswered only transactions still waiting for a final response', () => {
    const { flow, requests, transactions } = layer();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    const client = transactions.sendRequest({
      request: outgoing('OPTIONS', 'z9hG4bKu1'),
      branch: 'z9hG4bKu1',
      flow,
      method: 'OPTIONS',
      handlers: handlers(),
    });
    expect(transactions.unanswered).toBe(2);
    requests[0]!.transaction.respond(createResponse(requests[0]!.request, 200));
    expect(transactions.unanswered).toBe(1);
    client.terminate();
    expect(transactions.unanswered).toBe(0);
    expect(transactions.size).toBe(1); // the answered server transaction still absorbs retransmissions
  });

  it('close() cancels every timer, tells no handler, and drops later messages', () => {
    const { clock, flow, user, transactions } = layer();
    const client = handlers();
    transactions.receive(request(), flow);
    transactions.sendRequest({
      request: outgoing('INVITE', 'z9hG4bKe1'),
      branch: 'z9hG4bKe1',
      flow,
      method: 'INVITE',
      handlers: client,
    });
    expect(flow.refs).toBe(2);
    transactions.close();
    expect(transactions.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(flow.refs).toBe(0);
    clock.advance(60_000);
    expect(client.onTimeout).not.toHaveBeenCalled();
    transactions.receive(request({ method: 'MESSAGE' }), flow);
    expect(user.onRequest).toHaveBeenCalledTimes(1);
  });

  it('rejects timers that break T1 > 0 and T2 >= T1', () => {
    const { user } = layer();
    const make = (t1Ms: number, t2Ms: number) =>
      new TransactionLayer({
        clock: new FakeClock(),
        timers: { t1Ms, t2Ms, t4Ms: 5000 },
        user,
        responseSender: { sendResponse: () => {} },
      });
    expect(() => make(0, 4000)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => make(500, 400)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
