// SPEC Y5 with I7: a browser on a WebSocket is judged like any stream source — a saturated edge
// answers its new requests 503 over the same connection before the layer above sees them, and a
// source over its share is not read further until the shares refill. Load and time are driven by hand.

import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DrivenLoad, overloadSettings } from '../../test/support/driven-load.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { TransportLayer } from '../transport/transport-layer.js';
import { WsFlow } from '../transport/ws-flow.js';
import { AdmissionController } from './admission-controller.js';

const clock = new FakeClock();
let layer: TransportLayer | undefined;
let controller: AdmissionController | undefined;
let socket: WebSocket | undefined;
let serial = 0;

afterEach(async () => {
  socket?.terminate();
  controller?.stop();
  await layer?.close();
});

function message(): string {
  const n = ++serial;
  return [
    'MESSAGE sip:bob@a.example.com SIP/2.0',
    `Via: SIP/2.0/WS k3.invalid;branch=z9hG4bK-ws-y5-${n}`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=f1',
    'To: <sip:bob@a.example.com>',
    `Call-ID: ws-y5-${n}`,
    'CSeq: 1 MESSAGE',
    '',
    '',
  ].join('\r\n');
}

async function start() {
  const load = new DrivenLoad();
  controller = new AdmissionController({
    settings: overloadSettings({ retryAfterSeconds: 3, minCapacityPerSecond: 10 }),
    clock,
    load,
  });
  controller.start();
  const received: IncomingMessage[] = [];
  layer = new TransportLayer({
    listeners: [{ side: 'internal', protocol: 'ws', address: '127.0.0.1', port: 0 }],
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 10,
      maxPendingBytesPerConnection: 1_048_576,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 1000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
    },
    clock,
    onMessage: (m) => received.push(m),
    admission: controller,
  });
  await layer.listen();
  socket = new WebSocket(`ws://127.0.0.1:${layer.boundListeners[0]!.port}/`, ['sip']);
  const heard: string[] = [];
  socket.on('message', (data) => heard.push(String(data)));
  await new Promise((resolve) => socket!.once('open', resolve));
  load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
  clock.advance(100); // saturated from this interval on
  return { received, heard, socket };
}

describe('Y5 I7 overload control for WebSocket clients', () => {
  it('Y5 I7 a saturated edge answers a browser 503 with Retry-After over its WebSocket, and pauses reading it', async () => {
    const { received, heard, socket } = await start();
    for (let i = 0; i < 5; i++) socket.send(message());
    await expect.poll(() => heard.filter((text) => text.startsWith('SIP/2.0 503 ')).length).toBeGreaterThanOrEqual(1);
    expect(heard.every((text) => text.includes('\r\nRetry-After: 3\r\n'))).toBe(true);
    expect(received.length).toBeLessThan(5);
    const flow = [...layer!.flows].find((f) => f instanceof WsFlow) as WsFlow;
    await expect.poll(() => flow.readingPaused).toBe(true);
    clock.advance(100); // the shares refill: reading resumes
    expect(flow.readingPaused).toBe(false);
  });
});
