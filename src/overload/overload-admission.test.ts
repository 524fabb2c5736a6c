// SPEC Y5 on real sockets: the admission controller judges what the listeners frame, before the layer
// above (here `onMessage`, where the transaction layer sits) sees it. Load and time are driven by hand.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DrivenLoad, overloadSettings } from '../../test/support/driven-load.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { sip } from '../../test/support/sip-text.js';
import { AdmissionController } from './admission-controller.js';
import type { OverloadSettings } from './overload-settings.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { StreamFlow } from '../transport/stream-flow.js';
import { TransportLayer } from '../transport/transport-layer.js';

const SETTINGS = overloadSettings({ retryAfterSeconds: 3, minCapacityPerSecond: 10 });

let serial = 0;

function request(options: { method?: string; toTag?: boolean; response?: boolean; transport?: string } = {}): string {
  const method = options.method ?? 'MESSAGE';
  const n = ++serial;
  return [
    options.response ? 'SIP/2.0 200 OK' : `${method} sip:bob@b.example.net SIP/2.0`,
    `Via: SIP/2.0/${options.transport ?? 'TCP'} 127.0.0.1:5999;rport;branch=z9hG4bK-y5-${n}`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=f1',
    `To: <sip:bob@b.example.net>${options.toTag ? ';tag=t1' : ''}`,
    `Call-ID: y5-${n}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\n');
}

const clock = new FakeClock();
let layer: TransportLayer | undefined;
let controller: AdmissionController | undefined;
const sockets: Array<Socket | UdpSocket> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) (socket as { destroy?: () => void }).destroy?.();
  controller?.stop();
  await layer?.close();
});

async function start(protocol: 'tcp' | 'udp', settings: Partial<OverloadSettings> = {}) {
  const load = new DrivenLoad();
  controller = new AdmissionController({ settings: { ...SETTINGS, ...settings }, clock, load });
  controller.start();
  const received: IncomingMessage[] = [];
  layer = new TransportLayer({
    listeners: [{ side: 'external', protocol, address: '127.0.0.1', port: 0 }],
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
    onMessage: (message) => received.push(message),
    admission: controller,
  });
  await layer.listen();
  /** The edge is saturated from the next interval on. */
  const saturate = (): void => {
    load.current = { eventLoopUtilisation: 0.99, pendingRequests: 0 };
    clock.advance(100);
  };
  return { port: layer.boundListeners[0]!.port, received, saturate };
}

async function tcpClient(port: number): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, text: () => text };
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern, 'g'))?.length ?? 0;
}

function streamFlow(): StreamFlow {
  const flow = [...layer!.flows].find((f) => f instanceof StreamFlow);
  if (flow === undefined) throw new Error('no stream flow');
  return flow as StreamFlow;
}

describe('Y5 overload control on the read path', () => {
  it('Y5 a saturated edge answers new out-of-dialog requests 503 with Retry-After before the layer above sees them', async () => {
    const { port, received, saturate } = await start('tcp');
    saturate();
    const client = await tcpClient(port);
    client.socket.write(sip(Array.from({ length: 5 }, () => request()).join('')));
    await expect.poll(() => count(client.text(), /SIP\/2\.0 503 /)).toBe(4);
    expect(count(client.text(), /\r\nRetry-After: 3\r\n/)).toBe(4);
    expect(received).toHaveLength(1); // the one request the share allowed; the rest never went up
  });

  it('Y5 in-dialog requests, responses, ACK and CANCEL still pass while saturated', async () => {
    const { port, received, saturate } = await start('tcp');
    saturate();
    const client = await tcpClient(port);
    client.socket.write(sip(request() + request()));
    await expect.poll(() => count(client.text(), /SIP\/2\.0 503 /)).toBe(1);
    clock.advance(100); // the share refills and reading resumes
    const priority = [
      request({ toTag: true }),
      request({ method: 'BYE', toTag: true }),
      request({ response: true }),
      request({ method: 'ACK' }),
      request({ method: 'CANCEL' }),
    ];
    client.socket.write(sip(priority.join('')));
    await expect.poll(() => received.length).toBe(6);
    expect(received.slice(1).map((m) => (m.kind === 'request' ? m.method : 'response'))).toEqual([
      'MESSAGE',
      'BYE',
      'response',
      'ACK',
      'CANCEL',
    ]);
    expect(count(client.text(), /SIP\/2\.0 503 /)).toBe(1);
  });

  it('Y5 answers a shed UDP request to its source, and the layer above never sees it', async () => {
    const { port, received, saturate } = await start('udp');
    saturate();
    const client = createSocket('udp4');
    sockets.push(client);
    const answers: string[] = [];
    client.on('message', (datagram) => answers.push(datagram.toString('latin1')));
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < 3; i++) client.send(sip(request({ transport: 'UDP' })), port, '127.0.0.1');
    await expect.poll(() => answers.length).toBe(2);
    expect(answers.every((a) => a.startsWith('SIP/2.0 503 ') && a.includes('\r\nRetry-After: 3\r\n'))).toBe(true);
    expect(received).toHaveLength(1);
  });

  it('Y5 stops reading a TCP connection over its share and resumes when the share refills', async () => {
    const { port, received } = await start('tcp', { capacityPerSecond: 100 }); // 10 per interval
    const client = await tcpClient(port);
    client.socket.write(sip(Array.from({ length: 30 }, () => request()).join('')));
    await expect.poll(() => streamFlow().readingPaused).toBe(true);
    await expect.poll(() => received.length + count(client.text(), /SIP\/2\.0 503 /)).toBe(30);
    expect(received).toHaveLength(10);
    clock.advance(100);
    expect(streamFlow().readingPaused).toBe(false);
    client.socket.write(sip(Array.from({ length: 5 }, () => request()).join('')));
    await expect.poll(() => received.length).toBe(15);
    expect(streamFlow().readingPaused).toBe(false);
  });
});
