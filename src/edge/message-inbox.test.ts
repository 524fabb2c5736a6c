import { describe, expect, it } from 'vitest';
import { RecordingFlow } from '../../test/support/recording-flow.js';
import { sip } from '../../test/support/sip-text.js';
import { EdgeError } from '../errors.js';
import { EdgeMetrics } from '../observability/edge-metrics.js';
import { silentLogger } from '../observability/logger.js';
import { parseDatagram } from '../sip/datagram-parser.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { MessageInbox } from './message-inbox.js';

const OPTIONS = [
  'OPTIONS sip:bob@b.example.net SIP/2.0',
  'Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-inbox1',
  'Max-Forwards: 70',
  'From: <sip:alice@a.example.com>;tag=1',
  'To: <sip:bob@b.example.net>',
  'Call-ID: inbox-1',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '',
  '',
].join('\n');

function message(): IncomingMessage {
  const frame = parseDatagram(sip(OPTIONS), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message') throw new Error('not a message');
  return frame.message;
}

function inbox(sent: Array<{ status: string; flow: string }>): MessageInbox {
  return new MessageInbox({
    metrics: new EdgeMetrics(),
    log: silentLogger(),
    responses: {
      sendResponse: (bytes, _request, flow) =>
        void sent.push({ status: bytes.toString('latin1').slice(8, 11), flow: flow.id }),
    },
  });
}

describe('MessageInbox', () => {
  it('O5 drops what arrives before the request path exists, then hands every message to it', () => {
    const box = inbox([]);
    const received: string[] = [];
    const flow = new RecordingFlow({ protocol: 'tcp', side: 'internal' });
    box.deliver(message(), flow);
    box.open({
      receive: (m) => void received.push(m.headers.get('call-id') ?? ''),
      flowClosed: () => undefined,
      unanswered: 0,
    });
    box.deliver(message(), flow);
    expect(received).toEqual(['inbox-1']);
  });

  it('Y4 answers 400 on its own flow a request whose transaction headers do not parse', () => {
    const sent: Array<{ status: string; flow: string }> = [];
    const box = inbox(sent);
    box.open({
      receive: () => {
        throw new EdgeError('HEADER_VALUE_MALFORMED', 'CSeq: not a number');
      },
      flowClosed: () => undefined,
      unanswered: 0,
    });
    const flow = new RecordingFlow({ protocol: 'tcp', side: 'internal' });
    box.deliver(message(), flow);
    expect(sent).toEqual([{ status: '400', flow: flow.id }]);
  });

  it('F5 tells the request path a flow closed, so its client transactions fail over at once', () => {
    const box = inbox([]);
    const closed: string[] = [];
    box.open({ receive: () => undefined, flowClosed: (flow) => void closed.push(flow.id), unanswered: 0 });
    const flow = new RecordingFlow();
    box.flowClosed(flow);
    expect(closed).toEqual([flow.id]);
  });
});
