import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from '../clock/timer-wheel.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { MESSAGE_REQUEST, sip } from '../../test/support/sip-text.js';
import type { Flow } from './flow.js';
import { TransportLayer } from './transport-layer.js';

/** A request with an unsupported version whose top Via is `via`. */
const malformedVersion = (via: string): Buffer =>
  sip(
    [
      'INVITE sip:bob@b.example.net SIP/7.0',
      `Via: ${via}`,
      'From: <sip:alice@a.example.com>;tag=1',
      'To: <sip:bob@b.example.net>',
      'Call-ID: bad-version@a.example.com',
      'CSeq: 1 INVITE',
      '',
      '',
    ].join('\n'),
  );
const MALFORMED_VERSION = malformedVersion('SIP/2.0/UDP 198.51.100.99:5070;branch=z9hG4bK-bad;rport');

let clock: TimerWheel;
let layer: TransportLayer | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await layer?.close();
  layer = undefined;
  clock.stop();
});

async function startLayer(
  address: string,
  maxConnections = 100,
): Promise<{ layer: TransportLayer; received: Array<{ message: IncomingMessage; flow: Flow }> }> {
  clock = new TimerWheel({ tickMs: 5 });
  clock.start();
  const received: Array<{ message: IncomingMessage; flow: Flow }> = [];
  layer = new TransportLayer({
    listeners: [{ side: 'internal', protocol: 'udp', address, port: 0 }],
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections,
      maxPendingBytesPerConnection: 65_536,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 1000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
    },
    clock,
    onMessage: (message, flow) => received.push({ message, flow }),
  });
  await layer.listen();
  return { layer, received };
}

/** A UDP client socket that records the datagrams it receives. */
async function udpClient(address: string): Promise<{ socket: Socket; inbox: Buffer[]; port: number }> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  clients.push(socket);
  const inbox: Buffer[] = [];
  socket.on('message', (datagram) => inbox.push(datagram));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, inbox, port: socket.address().port };
}

describe('F1 UDP listeners', () => {
  for (const address of ['127.0.0.1', '::1']) {
    it(`F1 delivers a MESSAGE received over UDP on ${address} with its flow, and answers over that flow`, async () => {
      const { layer, received } = await startLayer(address);
      const port = layer.boundListeners[0]!.port;
      const client = await udpClient(address);
      client.socket.send(sip(MESSAGE_REQUEST), port, address);
      await vi.waitFor(() => expect(received).toHaveLength(1));
      const { message, flow } = received[0]!;
      expect(message.kind).toBe('request');
      expect(message.body.toString()).toBe('hello');
      expect(flow).toMatchObject({
        protocol: 'udp',
        side: 'internal',
        reliable: false,
        isOpen: true,
        peerIdentity: undefined,
      });
      expect(flow.remote).toEqual({ address, port: client.port });
      expect(layer.findFlow(flow.id)).toBe(flow);
      expect(flow.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'))).toBe(true);
      await vi.waitFor(() => expect(client.inbox.map(String)).toEqual(['SIP/2.0 200 OK\r\n\r\n']));
    });
  }

  it('F1 reuses one flow per remote endpoint', async () => {
    const { layer, received } = await startLayer('127.0.0.1');
    const client = await udpClient('127.0.0.1');
    const port = layer.boundListeners[0]!.port;
    client.socket.send(sip(MESSAGE_REQUEST), port, '127.0.0.1');
    client.socket.send(sip(MESSAGE_REQUEST), port, '127.0.0.1');
    await vi.waitFor(() => expect(received).toHaveLength(2));
    expect(received[0]!.flow).toBe(received[1]!.flow);
  });

  it("F1 connect() gives a UDP flow that sends from the side's listener socket", async () => {
    const { layer } = await startLayer('127.0.0.1');
    const client = await udpClient('127.0.0.1');
    const flow = await layer.connect({ protocol: 'udp', side: 'internal', address: '127.0.0.1', port: client.port });
    expect(flow.id).toMatch(/^udp:127\.0\.0\.1:\d+->127\.0\.0\.1:\d+#\d+$/);
    flow.send(sip(MESSAGE_REQUEST));
    await vi.waitFor(() => expect(client.inbox).toHaveLength(1));
    await expect(
      layer.connect({ protocol: 'udp', side: 'external', address: '127.0.0.1', port: 5060 }),
    ).rejects.toMatchObject({ code: 'NO_LISTENER' });
  });
});

describe('Y4 hostile datagrams', () => {
  it('Y4 bounds the UDP flow cache, evicting the oldest unreferenced flow', async () => {
    const { layer, received } = await startLayer('127.0.0.1', 2);
    const port = layer.boundListeners[0]!.port;
    for (let i = 0; i < 3; i++) (await udpClient('127.0.0.1')).socket.send(sip(MESSAGE_REQUEST), port, '127.0.0.1');
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(layer.gauges.flows).toBe(2);
    expect(received[0]!.flow.isOpen).toBe(false);
  });

  it("Y4 answers a malformed request with its status and a Warning, to the datagram's source", async () => {
    const { layer, received } = await startLayer('127.0.0.1');
    const client = await udpClient('127.0.0.1');
    client.socket.send(MALFORMED_VERSION, layer.boundListeners[0]!.port, '127.0.0.1');
    await vi.waitFor(() => expect(client.inbox).toHaveLength(1));
    const response = client.inbox[0]!.toString('latin1');
    expect(response).toMatch(/^SIP\/2\.0 505 Version Not Supported\r\n/);
    expect(response).toMatch(/\r\nWarning: 399 127\.0\.0\.1 "[^"\r\n]+"\r\n/);
    expect(response).toContain('Call-ID: bad-version@a.example.com');
    expect(received).toHaveLength(0);
    expect(layer.stats.framingErrors).toBe(1);
    // RFC 3581: the Via named another host and asked for rport; the answer says where it really came from.
    expect(response).toContain(`;received=127.0.0.1;rport=${client.port}\r\n`);
  });

  it('Y4 RFC 3261 §18.2.2: without rport the answer goes to the sent-by port on the source address, never to the Via host', async () => {
    const { layer } = await startLayer('127.0.0.1');
    const client = await udpClient('127.0.0.1');
    const sentBy = await udpClient('127.0.0.1');
    // The Via names a third party's address at the port of a socket on the real source address.
    client.socket.send(
      malformedVersion(`SIP/2.0/UDP 192.0.2.77:${sentBy.port};branch=z9hG4bK-bad2`),
      layer.boundListeners[0]!.port,
      '127.0.0.1',
    );
    await vi.waitFor(() => expect(sentBy.inbox).toHaveLength(1));
    expect(client.inbox).toHaveLength(0);
    expect(sentBy.inbox[0]!.toString('latin1')).toContain(
      `Via: SIP/2.0/UDP 192.0.2.77:${sentBy.port};branch=z9hG4bK-bad2;received=127.0.0.1\r\n`,
    );
  });

  it('Y4 drops malformed responses, headerless garbage and keepalives silently', async () => {
    const { layer, received } = await startLayer('127.0.0.1');
    const client = await udpClient('127.0.0.1');
    const port = layer.boundListeners[0]!.port;
    const badResponse = sip('SIP/2.0 200 OK\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\nContent-Length: 99\n\n');
    for (const datagram of [badResponse, Buffer.from('\x00\x01garbage'), Buffer.from('\r\n\r\n')])
      client.socket.send(datagram, port, '127.0.0.1');
    client.socket.send(sip(MESSAGE_REQUEST), port, '127.0.0.1');
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(client.inbox).toHaveLength(0);
    expect(layer.stats.framingErrors).toBe(2);
  });
});
