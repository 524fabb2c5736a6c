// The transaction layer built before its user: it receives nothing until attach(), and takes one user.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.js';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingRequest } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { TransactionLayer, type TransactionUser } from './transaction-layer.js';
import { DEFAULT_TRANSACTION_TIMERS } from './transaction-timers.js';
import { TransactionStateError } from './transaction-state-error.js';

function options(branch: string): IncomingRequest {
  const text = [
    'OPTIONS sip:bob@b.example.net SIP/2.0',
    `Via: SIP/2.0/UDP pc33.a.example.com;branch=${branch}`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=1',
    'To: <sip:bob@b.example.net>',
    'Call-ID: unattached-1',
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
  const frame = parseDatagram(sip(text), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('not a request');
  return frame.message;
}

function recordingUser(seen: string[]): TransactionUser {
  return {
    onRequest: (request) => void seen.push(request.method),
    onAck: () => undefined,
    onStrayResponse: () => undefined,
  };
}

describe('TransactionLayer.unattached()', () => {
  const build = () =>
    TransactionLayer.unattached({
      clock: new FakeClock(),
      timers: DEFAULT_TRANSACTION_TIMERS,
      responseSender: { sendResponse: () => undefined },
    });

  it('S3 hands requests to the user attach() gave it; only the attached layer has receive()', () => {
    const layer = build();
    const seen: string[] = [];
    const flow = new RecordingFlow();
    const attached = layer.attach(recordingUser(seen));
    attached.receive(options('z9hG4bK-a1'), flow);
    expect(seen).toEqual(['OPTIONS']);
    expect(attached.size).toBe(1);
  });

  it('S3 takes one user: a second attach() is refused', () => {
    const layer = build();
    layer.attach(recordingUser([]));
    expect(() => layer.attach(recordingUser([]))).toThrow(TransactionStateError);
  });
});
