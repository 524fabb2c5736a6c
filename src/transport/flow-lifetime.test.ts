import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from '../clock/timer-wheel.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import type { Flow } from './flow.js';
import { TransportLayer } from './transport-layer.js';
import type { TransportLimits } from './transport-options.js';

const clock = new TimerWheel({ tickMs: 5 });
const layers: TransportLayer[] = [];
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(() => clock.start());

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(layers.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function startLayer(limits: Partial<TransportLimits> = {}, listen = true) {
  const closed: Array<{ flow: Flow; reason: string }> = [];
  const layer = new TransportLayer({
    listeners: listen ? [{ side: 'internal', protocol: 'tcp', address: '127.0.0.1', port: 0 }] : [],
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 100,
      maxPendingBytesPerConnection: 65_536,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 1000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
      ...limits,
    },
    clock,
    onMessage: () => {},
    onFlowClosed: (flow, reason) => closed.push({ flow, reason }),
  });
  layers.push(layer);
  await layer.listen();
  return { layer, closed, port: layer.boundListeners[0]?.port ?? 0 };
}

/** A TCP server that accepts and records bytes but never answers. */
async function silentPeer(): Promise<{ port: number; text(): string; connections(): number }> {
  let text = '';
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    text: () => text,
    connections: () => connections,
  };
}

const to = (port: number) => ({ protocol: 'tcp', side: 'internal', address: '127.0.0.1', port }) as const;

describe('F4 shared connections', () => {
  it('F4 reuses an open connection to the same destination, and dials again once it closed', async () => {
    const peer = await startLayer();
    const { layer } = await startLayer({}, false);
    const first = await layer.connect(to(peer.port));
    expect(await layer.connect(to(peer.port))).toBe(first);
    first.close('test');
    const second = await layer.connect(to(peer.port));
    expect(second.id).not.toBe(first.id);
    expect(second.isOpen).toBe(true);
  });

  it('F4 shares one dial among concurrent callers', async () => {
    const peer = await silentPeer();
    const { layer } = await startLayer({}, false);
    const flows = await Promise.all([
      layer.connect(to(peer.port)),
      layer.connect(to(peer.port)),
      layer.connect(to(peer.port)),
    ]);
    expect(new Set(flows).size).toBe(1);
    expect(peer.connections()).toBe(1);
  });

  it('F4 rejects a dial to a closed port with CONNECT_FAILED', async () => {
    const peer = await silentPeer();
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const { layer } = await startLayer({}, false);
    await expect(layer.connect(to(peer.port))).rejects.toMatchObject({
      name: 'TransportError',
      code: 'CONNECT_FAILED',
    });
    expect(layer.gauges.dialsInProgress).toBe(0);
  });

  it('F4 closes an unreferenced connection after the idle timeout', async () => {
    const peer = await silentPeer();
    const { layer, closed } = await startLayer({ idleTimeoutMs: 60 }, false);
    const flow = await layer.connect(to(peer.port));
    await vi.waitFor(() => expect(closed).toEqual([{ flow, reason: 'idle' }]));
    expect(flow.isOpen).toBe(false);
    expect(layer.findFlow(flow.id)).toBeUndefined();
  });

  it('F4 keeps a referenced connection open past the idle timeout, and idles it out once released', async () => {
    const peer = await silentPeer();
    const { layer, closed } = await startLayer({ idleTimeoutMs: 60 }, false);
    const flow = await layer.connect(to(peer.port));
    flow.ref();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(flow.isOpen).toBe(true);
    flow.unref();
    await vi.waitFor(() => expect(closed.map((c) => c.reason)).toEqual(['idle']));
  });
});

describe('F4 connection caps', () => {
  it('F4 refuses accepted connections beyond maxConnections', async () => {
    const { layer, port } = await startLayer({ maxConnections: 2 });
    const open = (): Promise<Socket> =>
      new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.on('error', () => {});
        sockets.push(socket);
      });
    await open();
    await open();
    await vi.waitFor(() => expect(layer.gauges.streamConnections).toBe(2));
    const third = await open();
    await new Promise((resolve) => third.on('close', resolve));
    expect(layer.stats.refusedConnections).toBe(1);
    expect(layer.gauges.streamConnections).toBe(2);
    await expect(layer.connect(to(port))).rejects.toMatchObject({ code: 'CONNECTION_CAP' });
  });
});

describe('F5 keepalive', () => {
  it('F5 closes a flow whose peer stops answering keepalives', async () => {
    const peer = await silentPeer();
    const { layer, closed } = await startLayer({ keepaliveIntervalMs: 40 }, false);
    const flow = await layer.connect(to(peer.port));
    await vi.waitFor(() => expect(closed).toEqual([{ flow, reason: 'keepalive-timeout' }]));
    expect(peer.text()).toBe('\r\n\r\n');
    expect(layer.stats.keepaliveTimeouts).toBe(1);
  });

  it('F5 keeps a flow whose peer answers the pings', async () => {
    const peer = await startLayer();
    const { layer, closed } = await startLayer({ keepaliveIntervalMs: 100 }, false);
    const flow = await layer.connect(to(peer.port));
    await new Promise((resolve) => setTimeout(resolve, 450)); // several ping/pong rounds
    expect(flow.isOpen).toBe(true);
    expect(closed).toEqual([]);
  });
});
