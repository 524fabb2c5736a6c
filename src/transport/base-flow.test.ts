import type { Socket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { FlowContext } from './base-flow.js';
import { DatagramFlow } from './datagram-flow.js';
import { emptyStats } from './transport-options.js';

function setUp() {
  const clock = new FakeClock();
  const closed: string[] = [];
  const forgotten: unknown[] = [];
  const context: FlowContext = {
    clock,
    stats: emptyStats(),
    logger: undefined,
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 10,
      maxPendingBytesPerConnection: 4096,
      idleTimeoutMs: 1000,
      handshakeTimeoutMs: 1000,
      maxHandshakesInProgress: 1,
      keepaliveIntervalMs: 0,
    },
    flowOpened: () => {},
    deliver: () => {},
    flowClosed: (_flow, reason) => closed.push(reason),
  };
  const sent: Buffer[] = [];
  const socket = { send: (bytes: Buffer) => sent.push(bytes) } as unknown as Socket;
  const endpoint = { address: '192.0.2.1', port: 5060 };
  const flow = new DatagramFlow(
    socket,
    { forget: (f) => forgotten.push(f) },
    { id: 'udp#1', protocol: 'udp', side: 'internal', local: endpoint, remote: endpoint },
    context,
  );
  return { clock, flow, closed, forgotten, sent };
}

describe('F4 idle flows', () => {
  it('F4 closes an unreferenced flow idleTimeoutMs after its last message, and not before', () => {
    const { clock, flow, closed, forgotten } = setUp();
    clock.advance(600);
    expect(flow.send(Buffer.from('x'))).toBe(true);
    clock.advance(999);
    expect(flow.isOpen).toBe(true);
    clock.advance(1);
    expect(closed).toEqual(['idle']);
    expect(forgotten).toEqual([flow]);
    expect(flow.send(Buffer.from('x'))).toBe(false);
  });

  it('F4 never idles out a referenced flow; the idle period starts when the last holder lets go', () => {
    const { clock, flow, closed } = setUp();
    flow.ref();
    flow.ref();
    clock.advance(5000);
    flow.unref();
    clock.advance(5000);
    expect(flow.isOpen).toBe(true);
    flow.unref();
    clock.advance(999);
    expect(flow.isOpen).toBe(true);
    clock.advance(1);
    expect(closed).toEqual(['idle']);
  });

  it('reports a close once, however often it is asked', () => {
    const { flow, closed } = setUp();
    flow.close('test');
    flow.close('again');
    expect(closed).toEqual(['test']);
  });
});
