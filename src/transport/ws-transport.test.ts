// SIP over WebSocket at the transport layer (SPEC I7, RFC 7118), with real sockets and the `ws` client
// a browser-like program would use: upgrade checks, one SIP message per WebSocket message, limits.

import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { TimerWheel } from '../clock/timer-wheel.js';
import { testCertificates } from '../../test/support/test-certificates.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow } from './flow.js';
import { isTransportError } from './transport-error.js';
import { TransportLayer } from './transport-layer.js';
import type { ListenerOptions, TransportLayerOptions, TransportLimits } from './transport-options.js';

const LIMITS: TransportLimits = {
  parser: DEFAULT_PARSER_LIMITS,
  maxConnections: 100,
  maxPendingBytesPerConnection: 65_536,
  idleTimeoutMs: 60_000,
  handshakeTimeoutMs: 2000,
  maxHandshakesInProgress: 10,
  keepaliveIntervalMs: 0,
  maxMessageBytes: 4096,
};

const ALLOWED_ORIGIN = 'https://app.a.example.com';

/** A MESSAGE as a browser sends it over WebSocket: Via WS, a .invalid host, no Content-Length (RFC 7118 §5). */
function browserMessage(callId: string, body = 'hello'): string {
  return [
    'MESSAGE sip:bob@a.example.com SIP/2.0',
    `Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK-${callId}`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=ws1',
    'To: <sip:bob@a.example.com>',
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    '',
    body,
  ].join('\r\n');
}

let clock: TimerWheel | undefined;
let layer: TransportLayer | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await layer?.close();
  layer = undefined;
  clock?.stop();
});

interface Started {
  readonly layer: TransportLayer;
  readonly port: number;
  readonly received: Array<{ message: IncomingMessage; flow: Flow }>;
  readonly closed: Array<{ flow: Flow; reason: string }>;
}

async function startLayer(
  listener: Partial<ListenerOptions> = {},
  overrides: Partial<TransportLayerOptions> = {},
): Promise<Started> {
  clock = new TimerWheel({ tickMs: 5 });
  clock.start();
  const received: Started['received'] = [];
  const closed: Started['closed'] = [];
  layer = new TransportLayer({
    listeners: [
      {
        side: 'internal',
        protocol: 'ws',
        address: '127.0.0.1',
        port: 0,
        webSocket: { path: '/sip', origins: [ALLOWED_ORIGIN] },
        ...listener,
      },
    ],
    limits: LIMITS,
    clock,
    onMessage: (message, flow) => received.push({ message, flow }),
    onFlowClosed: (flow, reason) => closed.push({ flow, reason }),
    ...overrides,
  });
  await layer.listen();
  return { layer, port: layer.boundListeners[0]!.port, received, closed };
}

interface Opened {
  readonly socket: WebSocket;
  readonly messages: string[];
  readonly closed: Promise<{ code: number }>;
}

/** Opens a WebSocket; resolves once open, rejects with the HTTP status of a refused upgrade. */
function openSocket(
  url: string,
  options: { protocols?: string[]; origin?: string; ca?: string; servername?: string } = {},
): Promise<Opened> {
  const socket = new WebSocket(url, options.protocols ?? ['sip'], {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.ca === undefined ? {} : { ca: options.ca, servername: options.servername }),
  });
  sockets.push(socket);
  const messages: string[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  const closed = new Promise<{ code: number }>((resolve) => socket.on('close', (code) => resolve({ code })));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

function plainGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('I7 WebSocket upgrade (RFC 7118 §4.1)', () => {
  it('I7 accepts an upgrade offering the sip subprotocol and answers with it', async () => {
    const { port } = await startLayer();
    const { socket } = await openSocket(`ws://127.0.0.1:${port}/sip`, { origin: ALLOWED_ORIGIN });
    expect(socket.protocol).toBe('sip');
  });

  it('I7 refuses an upgrade without the sip subprotocol with 400 and counts it', async () => {
    const { port, layer } = await startLayer();
    await expect(openSocket(`ws://127.0.0.1:${port}/sip`, { protocols: ['chat'] })).rejects.toThrow('HTTP 400');
    await expect(openSocket(`ws://127.0.0.1:${port}/sip`, { protocols: [] })).rejects.toThrow('HTTP 400');
    expect(layer.stats.webSocketRefusals.get('subprotocol')).toBe(2);
    expect(layer.gauges.streamConnections).toBe(0);
  });

  it('I7 refuses an Origin not on the allow-list with 403 and admits the listed one', async () => {
    const { port, layer } = await startLayer();
    await expect(openSocket(`ws://127.0.0.1:${port}/sip`, { origin: 'https://evil.example.org' })).rejects.toThrow(
      'HTTP 403',
    );
    expect(layer.stats.webSocketRefusals.get('origin')).toBe(1);
    await expect(
      openSocket(`ws://127.0.0.1:${port}/sip`, { origin: 'HTTPS://APP.a.example.com' }),
    ).resolves.toBeDefined();
  });

  it('I7 refuses an upgrade on another path with 404 and answers a plain HTTP request 426', async () => {
    const { port, layer } = await startLayer();
    await expect(openSocket(`ws://127.0.0.1:${port}/other`)).rejects.toThrow('HTTP 404');
    expect(layer.stats.webSocketRefusals.get('path')).toBe(1);
    expect((await plainGet(port, '/sip')).status).toBe(426);
  });

  it('I7 hands plain HTTP requests to a mounted page handler on the same port', async () => {
    const { port } = await startLayer(
      {},
      { httpRequests: (_request, response) => response.writeHead(200).end('<html>web client</html>') },
    );
    expect(await plainGet(port, '/index.html')).toEqual({ status: 200, body: '<html>web client</html>' });
    await expect(openSocket(`ws://127.0.0.1:${port}/sip`)).resolves.toBeDefined();
  });

  it('I7 refuses an upgrade beyond limits.maxConnections with 503', async () => {
    const { port, layer } = await startLayer({}, { limits: { ...LIMITS, maxConnections: 1 } });
    await openSocket(`ws://127.0.0.1:${port}/sip`);
    await expect(openSocket(`ws://127.0.0.1:${port}/sip`)).rejects.toThrow();
    expect(layer.stats.refusedConnections).toBeGreaterThanOrEqual(1);
    expect(layer.gauges.streamConnections).toBe(1);
  });
});

describe('I7 SIP messages over a WebSocket (RFC 7118 §5)', () => {
  it('I7 delivers one SIP message per WebSocket message, without Content-Length, on a ws flow', async () => {
    const { port, received } = await startLayer();
    const { socket } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(browserMessage('text-1'));
    socket.send(Buffer.from(browserMessage('binary-1', 'bytes')), { binary: true });
    await until(() => received.length === 2, 'two messages delivered');
    expect(received.map((r) => r.message.headers.get('call-id'))).toEqual(['text-1', 'binary-1']);
    expect(received[0]!.message.body.toString()).toBe('hello');
    expect(received[0]!.flow.protocol).toBe('ws');
    expect(received[0]!.flow.side).toBe('internal');
    expect(received[0]!.flow.reliable).toBe(true);
  });

  it('I7 sends over the connection the client opened and finds it again by its endpoint', async () => {
    const { port, received, layer } = await startLayer();
    const { socket, messages } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(browserMessage('reuse-1'));
    await until(() => received.length === 1, 'message delivered');
    const flow = received[0]!.flow;
    const again = await layer.connect({ protocol: 'ws', side: 'internal', ...flow.remote });
    expect(again).toBe(flow);
    expect(again.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'))).toBe(true);
    await until(() => messages.length === 1, 'reply received');
    expect(messages[0]).toBe('SIP/2.0 200 OK\r\n\r\n');
  });

  it('I7 answers a malformed request 400 and keeps reading the connection', async () => {
    const { port, received } = await startLayer();
    const { socket, messages } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(
      browserMessage('bad-1')
        .replace('CSeq: 1 MESSAGE', 'CSeq: x MESSAGE')
        .replace('SIP/2.0\r\n', 'SIP/2.0\r\nContent-Length: 99\r\n'),
    );
    await until(() => messages.length === 1, '400 received');
    expect(messages[0]).toMatch(/^SIP\/2\.0 400 /);
    socket.send(browserMessage('good-after-bad'));
    await until(() => received.length === 1, 'next message delivered');
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it('I7 closes with 1009 a WebSocket message over limits.maxMessageBytes', async () => {
    const { port, layer, received } = await startLayer();
    const { socket, closed } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(browserMessage('huge', 'x'.repeat(LIMITS.maxMessageBytes!)));
    expect((await closed).code).toBe(1009);
    expect(received).toHaveLength(0);
    await until(() => layer.gauges.streamConnections === 0, 'flow forgotten');
  });

  it('I7 a closed connection ends its flow, and the client can no longer be reached', async () => {
    const { port, received, closed, layer } = await startLayer();
    const { socket } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(browserMessage('gone-1'));
    await until(() => received.length === 1, 'message delivered');
    const flow = received[0]!.flow;
    socket.close(1000);
    await until(() => closed.length === 1, 'flow closed');
    expect(closed[0]!.flow).toBe(flow);
    const error = await layer.connect({ protocol: 'ws', side: 'internal', ...flow.remote }).catch((e: unknown) => e);
    expect(isTransportError(error) && error.code).toBe('CONNECT_FAILED');
  });

  it('I7 closing the layer closes each WebSocket connection with 1001 going away (O5)', async () => {
    const { port, layer } = await startLayer();
    const { closed } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    await layer.close();
    expect((await closed).code).toBe(1001);
  });

  it('I7 answers WebSocket pings and closes a client that stops answering them', async () => {
    const { port, closed, layer } = await startLayer({}, { limits: { ...LIMITS, keepaliveIntervalMs: 50 } });
    const { socket } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    let pings = 0;
    socket.on('ping', () => pings++);
    await until(() => pings >= 2, 'two pings answered');
    expect(closed).toHaveLength(0);
    // A client that is gone without closing: its pongs stop.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(() => closed.length === 1, 'silent client closed');
    expect(closed[0]!.reason).toBe('keepalive-timeout');
    expect(layer.stats.keepaliveTimeouts).toBe(1);
  });
});

describe('I7 idle WebSocket connections (SPEC F4)', () => {
  const idle = { ...LIMITS, idleTimeoutMs: 200, keepaliveIntervalMs: 40 };

  it('I7 closes a connection that never carried SIP once idle, though it answers pings', async () => {
    const { port, closed } = await startLayer({}, { limits: idle });
    await openSocket(`ws://127.0.0.1:${port}/sip`);
    await until(() => closed.length === 1, 'idle connection closed');
    expect(closed[0]!.reason).toBe('idle');
  });

  it('I7 keeps a connection that carried SIP open while the browser answers pings', async () => {
    const { port, closed, received } = await startLayer({}, { limits: idle });
    const { socket } = await openSocket(`ws://127.0.0.1:${port}/sip`);
    socket.send(browserMessage('keeps-1'));
    await until(() => received.length === 1, 'message delivered');
    let pings = 0;
    socket.on('ping', () => pings++);
    // Three idle periods' worth of pings, no SIP: still open.
    await until(() => pings >= 15, 'pings over three idle periods');
    expect(closed).toHaveLength(0);
  });
});

describe('I7 secure WebSocket (wss)', () => {
  it('I7 serves wss with the domain certificate the TLS listeners use, without asking browsers for one', async () => {
    const certs = testCertificates();
    const { port, received } = await startLayer(
      { protocol: 'wss' },
      {
        tls: { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      },
    );
    const { socket } = await openSocket(`wss://127.0.0.1:${port}/sip`, { ca: certs.ca, servername: 'a.example.com' });
    socket.send(browserMessage('secure-1').replace('SIP/2.0/WS ', 'SIP/2.0/WSS '));
    await until(() => received.length === 1, 'message delivered');
    expect(received[0]!.flow.protocol).toBe('wss');
  });
});
