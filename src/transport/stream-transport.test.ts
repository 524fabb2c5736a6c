import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from '../clock/timer-wheel.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { MESSAGE_REQUEST, sip } from '../../test/support/sip-text.js';
import type { Flow } from './flow.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportLayerOptions, TransportLimits } from './transport-options.js';

const MESSAGE = sip(MESSAGE_REQUEST);
const LIMITS: TransportLimits = {
  parser: DEFAULT_PARSER_LIMITS,
  maxConnections: 100,
  maxPendingBytesPerConnection: 65_536,
  idleTimeoutMs: 60_000,
  handshakeTimeoutMs: 1000,
  maxHandshakesInProgress: 10,
  keepaliveIntervalMs: 0,
};

let clock: TimerWheel | undefined;
let layer: TransportLayer | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await layer?.close();
  layer = undefined;
  clock?.stop();
});

interface Started {
  layer: TransportLayer;
  port: number;
  received: Array<{ message: IncomingMessage; flow: Flow }>;
  closed: Array<{ flow: Flow; reason: string }>;
}

async function startLayer(address = '127.0.0.1', overrides: Partial<TransportLayerOptions> = {}): Promise<Started> {
  clock = new TimerWheel({ tickMs: 5 });
  clock.start();
  const received: Started['received'] = [];
  const closed: Started['closed'] = [];
  layer = new TransportLayer({
    listeners: [{ side: 'external', protocol: 'tcp', address, port: 0 }],
    limits: LIMITS,
    clock,
    onMessage: (message, flow) => received.push({ message, flow }),
    onFlowClosed: (flow, reason) => closed.push({ flow, reason }),
    ...overrides,
  });
  await layer.listen();
  return { layer, port: layer.boundListeners[0]!.port, received, closed };
}

interface Client {
  socket: Socket;
  /** Everything received so far, as latin1. */
  text(): string;
  closed: Promise<void>;
}

async function tcpClient(address: string, port: number): Promise<Client> {
  const socket = connect({ host: address, port });
  clients.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, text: () => text, closed };
}

describe('F1 TCP listeners', () => {
  for (const address of ['127.0.0.1', '::1']) {
    it(`F1 delivers a MESSAGE received over TCP on ${address} with its flow, and answers over that flow`, async () => {
      const { port, received } = await startLayer(address);
      const client = await tcpClient(address, port);
      client.socket.write(MESSAGE);
      await vi.waitFor(() => expect(received).toHaveLength(1));
      const { message, flow } = received[0]!;
      expect(message.raw.equals(MESSAGE)).toBe(true);
      expect(flow).toMatchObject({
        protocol: 'tcp',
        side: 'external',
        reliable: true,
        isOpen: true,
        peerIdentity: undefined,
      });
      expect(flow.remote).toEqual({ address, port: client.socket.localPort });
      expect(flow.id).toMatch(/^tcp:.+<-.+#\d+$/);
      expect(flow.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'))).toBe(true);
      await vi.waitFor(() => expect(client.text()).toBe('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    });
  }

  it('F1 reassembles a message split across writes', async () => {
    const { port, received } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    const cuts = [0, 7, 60, MESSAGE.length - 3, MESSAGE.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      client.socket.write(MESSAGE.subarray(cuts[i], cuts[i + 1]));
      await new Promise((resolve) => setTimeout(resolve, 10)); // separate reads on the far side
    }
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]!.message.raw.equals(MESSAGE)).toBe(true);
  });

  it('F1 delivers several messages that arrive in one write, in order, on one flow', async () => {
    const { port, received } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    const second = Buffer.from(MESSAGE.toString('latin1').replace('CSeq: 1', 'CSeq: 2'), 'latin1');
    client.socket.write(Buffer.concat([MESSAGE, second, MESSAGE]));
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(received.map((r) => r.message.cseq.seq)).toEqual([1, 2, 1]);
    expect(new Set(received.map((r) => r.flow))).toHaveProperty('size', 1);
  });

  it('F5 answers a CRLF CRLF ping with a CRLF pong (RFC 5626 §4.4.1)', async () => {
    const { port } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write('\r\n\r\n');
    await vi.waitFor(() => expect(client.text()).toBe('\r\n'));
  });

  it('F1 rejects listen() when an address is taken, and closes what it bound', async () => {
    const first = await startLayer();
    expect(first.layer.boundListeners).toEqual([
      { side: 'external', protocol: 'tcp', address: '127.0.0.1', port: first.port },
    ]);
    const second = new TransportLayer({
      listeners: [
        { side: 'internal', protocol: 'udp', address: '127.0.0.1', port: 0 },
        { side: 'external', protocol: 'tcp', address: '127.0.0.1', port: first.port },
      ],
      limits: LIMITS,
      clock: clock!,
      onMessage: () => {},
    });
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(
      second.connect({ protocol: 'udp', side: 'internal', address: '127.0.0.1', port: 5060 }),
    ).rejects.toMatchObject({ code: 'LAYER_CLOSED' });
  });

  it('F4 reports a connection the peer closed', async () => {
    const { port, received, closed } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(MESSAGE);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    client.socket.end();
    await vi.waitFor(() => expect(closed).toEqual([{ flow: received[0]!.flow, reason: 'remote-closed' }]));
    expect(received[0]!.flow.isOpen).toBe(false);
    expect(received[0]!.flow.send(MESSAGE)).toBe(false);
  });
});

describe('Y4 hostile streams', () => {
  it('Y4 answers a request with a bad SIP version with 505 and a Warning, then closes the connection', async () => {
    const { layer, port, received } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(
      sip(
        [
          'INVITE sip:a SIP/7.0',
          'Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-v7',
          'From: <sip:x@a.example.com>;tag=9',
          'To: <sip:a>',
          'Call-ID: v7@a.example.com',
          'CSeq: 1 INVITE',
          'Content-Length: 0',
          '',
          '',
        ].join('\n'),
      ),
    );
    await client.closed;
    expect(client.text()).toMatch(/^SIP\/2\.0 505 Version Not Supported\r\n/);
    expect(client.text()).toMatch(/\r\nWarning: 399 127\.0\.0\.1 "[^"\r\n]+"\r\n/);
    expect(client.text()).toMatch(/\r\nTo: <sip:a>;tag=\S+\r\n/);
    expect(received).toHaveLength(0);
    expect(layer.stats.framingErrors).toBe(1);
  });

  it('Y4 answers a request without Content-Length with 400 and closes (RFC 3261 §18.3)', async () => {
    const { port } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(sip(MESSAGE_REQUEST.replace('Content-Length: 5\n', '')));
    await client.closed;
    expect(client.text()).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
  });

  it('Y4 closes a connection that sends garbage without headers, without answering', async () => {
    const { layer, port, closed } = await startLayer();
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write('\x16\x03\x01 this is not SIP\r\n\r\n');
    await client.closed;
    expect(client.text()).toBe('');
    expect(closed.map((c) => c.reason)).toEqual(['framing-error']);
    expect(layer.stats.framingErrors).toBe(1);
  });

  it('Y4 survives an onMessage that throws and keeps the connection', async () => {
    let calls = 0;
    const { layer, port } = await startLayer('127.0.0.1', {
      onMessage: () => {
        calls++;
        throw new Error('bug above');
      },
    });
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(MESSAGE);
    client.socket.write(MESSAGE);
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(layer.stats.deliveryFailures).toBe(2);
    expect([...layer.flows][0]!.isOpen).toBe(true);
  });

  it('Y4 refuses bytes that would exceed the pending-bytes cap and keeps a connection whose peer reads', async () => {
    const { layer, port, received, closed } = await startLayer('127.0.0.1');
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(MESSAGE);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const flow = received[0]!.flow;
    expect(flow.send(Buffer.alloc(70_000, 0x41))).toBe(false);
    expect(layer.stats.sendBufferOverflows).toBe(1);
    expect(flow.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'))).toBe(true);
    await vi.waitFor(() => expect(client.text()).toContain('SIP/2.0 200 OK'));
    expect(flow.isOpen).toBe(true);
    expect(closed).toEqual([]);
  });

  it('Y4 queues a busy turn beyond the cap when earlier turns left nothing unsent, up to four times the cap', async () => {
    const { layer, port, received } = await startLayer('127.0.0.1');
    const client = await tcpClient('127.0.0.1', port);
    client.socket.write(MESSAGE);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const flow = received[0]!.flow;
    const chunk = Buffer.alloc(30_000, 0x41);
    // One turn, as when one read brings many requests to relay: 8 × 30 kB against a 64 kB cap.
    const accepted = Array.from({ length: 10 }, () => flow.send(chunk));
    expect(accepted).toEqual([true, true, true, true, true, true, true, true, false, false]);
    expect(layer.stats.sendBufferOverflows).toBe(2);
    await vi.waitFor(() => expect(client.text().length).toBe(8 * 30_000));
  });

  it('Y4 cuts off a peer that stops reading: its pending bytes stay over the cap for 5 s', async () => {
    const fake = new FakeClock();
    const { layer, port, received, closed } = await startLayer('127.0.0.1', { clock: fake });
    const client = await tcpClient('127.0.0.1', port);
    client.socket.pause();
    client.socket.write(MESSAGE);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const flow = received[0]!.flow;
    const chunk = Buffer.alloc(16_384, 0x41);
    // Fill the kernel's buffers and then the cap: the client reads nothing.
    for (let i = 0; i < 10_000 && flow.send(chunk); i++) await new Promise((resolve) => setImmediate(resolve));
    expect(flow.isOpen).toBe(true);
    fake.advance(4999);
    expect(flow.send(chunk)).toBe(false);
    expect(flow.isOpen).toBe(true);
    fake.advance(1);
    expect(flow.send(chunk)).toBe(false);
    expect(closed.map((c) => c.reason)).toEqual(['send-buffer-full']);
    expect(layer.stats.sendBufferOverflows).toBeGreaterThanOrEqual(3);
    client.socket.resume();
    await client.closed;
  });
});
