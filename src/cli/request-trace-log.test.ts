import diagnostics from 'node:diagnostics_channel';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Edge } from '../edge/edge-types.js';
import { traceRequestsAtDebug } from './request-trace-log.js';
import { startVirtualEdge } from '../../test/support/virtual-edge.js';

const CONFIG = `
domains: [a.example.com]
listen:
  internal: [{ transport: tcp, address: 192.0.2.1, port: 5060 }]
  external: [{ transport: tls, address: 203.0.113.1, port: 5061 }]
routes:
  - domain: b.example.net
    targets: [{ host: 198.51.100.20, port: 5061, transport: tls }]
state: { backend: memory }
`;

const OUTBOUND_MESSAGE = [
  'MESSAGE sip:bob@b.example.net SIP/2.0',
  'Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-trace1',
  'Max-Forwards: 70',
  'From: <sip:alice@a.example.com>;tag=t1',
  'To: <sip:bob@b.example.net>',
  'Call-ID: trace-call-1',
  'CSeq: 1 MESSAGE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

let edge: Edge | undefined;
let detach: (() => void) | undefined;

afterEach(async () => {
  detach?.();
  await edge?.stop(0);
  edge = undefined;
});

function recordingLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level, base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function relayOneMessage(logger: ReturnType<typeof recordingLogger>['logger']): Promise<void> {
  edge = await startVirtualEdge(CONFIG, { logger, listen: false });
  const sent = await edge.inject(OUTBOUND_MESSAGE, { side: 'internal' });
  await sent.forwarded[0]?.respond(202);
}

describe('O4 following a Call-ID through the edge at debug level', () => {
  it('O4 logs received, decided, relayed and answered with the Call-ID of a relayed request', async () => {
    const { logger, lines } = recordingLogger('debug');
    detach = traceRequestsAtDebug(logger);
    await relayOneMessage(logger);
    const trace = lines.filter((line) => line.callId === 'trace-call-1' && String(line.msg).startsWith('request '));
    expect(trace.map((line) => line.msg)).toEqual([
      'request received',
      'request decided',
      'request relayed',
      'request answered',
    ]);
    expect(trace[1]).toMatchObject({ decision: 'relayed', method: 'MESSAGE' });
    expect(trace[2]).toMatchObject({ targets: ['tls 198.51.100.20:5061 (external)'] });
    expect(trace[3]).toMatchObject({ status: 202 });
    expect(new Set(trace.map((line) => line.transaction)).size).toBe(1);
  });

  it('O4 subscribes nothing at info level, so the proxy publishes no lifecycle event', () => {
    const { logger } = recordingLogger('info');
    detach = traceRequestsAtDebug(logger);
    expect(diagnostics.channel('simple-edge:request:received').hasSubscribers).toBe(false);
    logger.level = 'debug';
    expect(diagnostics.channel('simple-edge:request:received').hasSubscribers).toBe(true);
    logger.level = 'info';
    expect(diagnostics.channel('simple-edge:request:answered').hasSubscribers).toBe(false);
  });
});
