// SPEC I6 in the transport layer: the keepalives an RFC 5626 client sends on its flow are answered
// (CRLF CRLF with CRLF on streams, STUN Binding on UDP), and a destination naming a flow by id is sent
// over that flow or fails with FLOW_FAILED — never dialled anew.
import { createSocket, type Socket as DatagramSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from '../clock/timer-wheel.js';
import { MESSAGE_REQUEST, sip } from '../../test/support/sip-text.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow, Side } from './flow.js';
import { readXorMappedAddress } from './stun-binding.js';
import { TransportLayer } from './transport-layer.js';
import { isTransportError } from './transport-error.js';

let clock: TimerWheel | undefined;
let layer: TransportLayer | undefined;
const sockets: Array<Socket | DatagramSocket> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    if ('destroy' in socket) socket.destroy();
    else socket.close();
  }
  await layer?.close();
  layer = undefined;
  clock?.stop();
});

async function startLayer(listeners: Array<{ side: Side; protocol: 'udp' | 'tcp' }>) {
  clock = new TimerWheel({ tickMs: 5 });
  clock.start();
  const received: Array<{ flow: Flow }> = [];
  layer = new TransportLayer({
    listeners: listeners.map((l) => ({ ...l, address: '127.0.0.1', port: 0 })),
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 100,
      maxPendingBytesPerConnection: 65_536,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 1000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
    },
    clock,
    onMessage: (_message, flow) => received.push({ flow }),
  });
  await layer.listen();
  return { layer, received, ports: layer.boundListeners.map((l) => l.port) };
}

function bindingRequest(): Buffer {
  const message = Buffer.alloc(20);
  message.writeUInt16BE(0x0001, 0);
  message.writeUInt32BE(0x2112a442, 4);
  Buffer.from('0102030405060708090a0b0c', 'hex').copy(message, 8);
  return message;
}

async function udpClient(): Promise<{ socket: DatagramSocket; inbox: Buffer[]; port: number }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const inbox: Buffer[] = [];
  socket.on('message', (m) => inbox.push(m));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, inbox, port: socket.address().port };
}

async function tcpClient(port: number): Promise<{ socket: Socket; text: () => string }> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, text: () => text };
}

describe('I6 keepalives of RFC 5626 clients (§4.4)', () => {
  it('I6 answers a STUN Binding request on the internal SIP UDP port with the mapped source address (§4.4.2)', async () => {
    const { ports } = await startLayer([{ side: 'internal', protocol: 'udp' }]);
    const client = await udpClient();
    client.socket.send(bindingRequest(), ports[0]!, '127.0.0.1');
    await vi.waitFor(() => expect(client.inbox).toHaveLength(1));
    expect(readXorMappedAddress(client.inbox[0]!)).toEqual({ address: '127.0.0.1', port: client.port });
    expect(layer!.stats.stunBindings).toBe(1);
  });

  it('I6 still takes SIP on the same UDP port, and answers no STUN on the external side', async () => {
    const { ports, received } = await startLayer([
      { side: 'internal', protocol: 'udp' },
      { side: 'external', protocol: 'udp' },
    ]);
    const client = await udpClient();
    client.socket.send(bindingRequest(), ports[1]!, '127.0.0.1');
    client.socket.send(sip(MESSAGE_REQUEST), ports[0]!, '127.0.0.1');
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(client.inbox).toEqual([]);
    expect(layer!.stats.stunBindings).toBe(0);
  });

  it('I6 answers a client CRLF CRLF ping on an internal TCP flow with a CRLF pong (§4.4.1)', async () => {
    const { ports } = await startLayer([{ side: 'internal', protocol: 'tcp' }]);
    const client = await tcpClient(ports[0]!);
    client.socket.write('\r\n\r\n');
    await vi.waitFor(() => expect(client.text()).toBe('\r\n'));
  });
});

describe('I6 a destination that names a flow (RFC 5626 §5.3)', () => {
  it('I6 sends over the flow a client opened, found by its id, and fails with FLOW_FAILED once it closed', async () => {
    const { ports, received } = await startLayer([{ side: 'internal', protocol: 'tcp' }]);
    const client = await tcpClient(ports[0]!);
    client.socket.write(sip(MESSAGE_REQUEST));
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const registered = received[0]!.flow;
    const destination = {
      side: 'internal' as const,
      protocol: 'tcp' as const,
      ...registered.remote,
      flow: registered.id,
    };
    expect(await layer!.connect(destination)).toBe(registered);
    client.socket.destroy();
    await vi.waitFor(() => expect(registered.isOpen).toBe(false));
    const failure = await layer!.connect(destination).catch((error: unknown) => error);
    expect(isTransportError(failure) && failure.code).toBe('FLOW_FAILED');
    // Nothing was dialled towards the client's ephemeral port: no flow is left.
    expect([...layer!.flows]).toEqual([]);
  });
});
