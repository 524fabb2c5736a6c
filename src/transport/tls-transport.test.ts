import { connect as connectTcp, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { connect as connectTls, createServer as createTlsServer, type ConnectionOptions } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from '../clock/timer-wheel.js';
import type { IncomingMessage } from '../sip/incoming-message.js';
import { DEFAULT_PARSER_LIMITS } from '../sip/parser-limits.js';
import { MESSAGE_REQUEST, sip } from '../../test/support/sip-text.js';
import { testCertificates, type TestCertificates } from '../../test/support/test-certificates.js';
import type { Flow } from './flow.js';
import { TransportLayer } from './transport-layer.js';
import type { TlsOptions, TransportLimits } from './transport-options.js';

const MESSAGE = sip(MESSAGE_REQUEST);
let certs: TestCertificates;
let stranger: TestCertificates;
const clock = new TimerWheel({ tickMs: 5 });
const layers: TransportLayer[] = [];
const sockets: Socket[] = [];
const servers: Server[] = [];

beforeAll(() => {
  certs = testCertificates();
  stranger = testCertificates({ authority: 'some other CA' });
  clock.start();
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(layers.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

function tlsOptions(identity: 'server' | 'client', overrides: Partial<TlsOptions> = {}): TlsOptions {
  return {
    ...certs[identity],
    ca: certs.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...overrides,
  };
}

async function startLayer(options: { tls: TlsOptions; listen?: boolean; limits?: Partial<TransportLimits> }) {
  const received: Array<{ message: IncomingMessage; flow: Flow }> = [];
  const layer = new TransportLayer({
    listeners: options.listen === false ? [] : [{ side: 'external', protocol: 'tls', address: '127.0.0.1', port: 0 }],
    limits: {
      parser: DEFAULT_PARSER_LIMITS,
      maxConnections: 100,
      maxPendingBytesPerConnection: 65_536,
      idleTimeoutMs: 60_000,
      handshakeTimeoutMs: 2000,
      maxHandshakesInProgress: 10,
      keepaliveIntervalMs: 0,
      ...options.limits,
    },
    clock,
    onMessage: (message, flow) => received.push({ message, flow }),
    tls: options.tls,
  });
  layers.push(layer);
  await layer.listen();
  return { layer, received, port: layer.boundListeners[0]?.port ?? 0 };
}

/** A TLS client; resolves once the connection closed or was kept for a moment, with what it got. */
function tlsClient(
  port: number,
  options: ConnectionOptions,
): { socket: Socket; closed: Promise<void>; text(): string } {
  const socket = connectTls({
    host: '127.0.0.1',
    port,
    ca: certs.ca,
    checkServerIdentity: () => undefined,
    ...options,
  });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  return { socket, closed: new Promise((resolve) => socket.on('close', () => resolve())), text: () => text };
}

function rawClient(port: number): Promise<Socket> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

describe('F2 mutual TLS listeners', () => {
  it('F2 delivers a MESSAGE over TLS with the verified peer identity, and answers over the flow', async () => {
    const { port, received } = await startLayer({ tls: tlsOptions('server') });
    const client = tlsClient(port, { cert: certs.client.cert, key: certs.client.key });
    client.socket.once('secureConnect', () => client.socket.write(MESSAGE));
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const flow = received[0]!.flow;
    expect(flow).toMatchObject({ protocol: 'tls', side: 'external', reliable: true, peerIdentity: ['b.example.net'] });
    expect(flow.id).toMatch(/^tls:127\.0\.0\.1:\d+<-127\.0\.0\.1:\d+#\d+$/);
    flow.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await vi.waitFor(() => expect(client.text()).toMatch(/^SIP\/2\.0 200 OK/));
  });

  it('F2 refuses a client without a certificate when certificates are required', async () => {
    const { layer, port } = await startLayer({ tls: tlsOptions('server') });
    const client = tlsClient(port, {});
    await client.closed;
    expect([...layer.flows]).toHaveLength(0);
    expect(layer.stats.handshakeFailures).toBe(1);
    expect(layer.gauges.handshakesInProgress).toBe(0);
  });

  it('F2 refuses a client whose certificate no trusted CA issued', async () => {
    const { layer, port } = await startLayer({ tls: tlsOptions('server') });
    const client = tlsClient(port, { cert: stranger.client.cert, key: stranger.client.key });
    await client.closed;
    expect([...layer.flows]).toHaveLength(0);
    expect(layer.stats.handshakeFailures).toBe(1);
  });

  it('F2 accepts an unauthenticated client when not required, without a peer identity', async () => {
    const { port, received } = await startLayer({
      tls: tlsOptions('server', { requestCert: false, rejectUnauthorized: false }),
    });
    const client = tlsClient(port, {});
    client.socket.once('secureConnect', () => client.socket.write(MESSAGE));
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]!.flow.peerIdentity).toBeUndefined();
  });

  it('F2 dials with the edge certificate and SNI, and learns the server identity', async () => {
    const { port, received } = await startLayer({ tls: tlsOptions('server') });
    const dialler = await startLayer({ tls: tlsOptions('client'), listen: false });
    const flow = await dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port,
      servername: 'a.example.com',
    });
    expect(flow.peerIdentity).toEqual(['a.example.com']);
    expect(flow.id).toMatch(/^tls:127\.0\.0\.1:\d+->127\.0\.0\.1:\d+#\d+$/);
    flow.send(MESSAGE);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    expect(received[0]!.flow.peerIdentity).toEqual(['b.example.net']);
  });

  it('F2 sends the SNI server name it is given (RFC 6066)', async () => {
    let servername: string | false | null | undefined;
    const server = createTlsServer({ ...certs.server }, (socket) => {
      servername = socket.servername;
      socket.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const dialler = await startLayer({ tls: tlsOptions('client'), listen: false });
    await dialler.layer.connect({
      protocol: 'tls',
      side: 'external',
      address: '127.0.0.1',
      port: typeof address === 'object' && address ? address.port : 0,
      servername: 'a.example.com',
    });
    await vi.waitFor(() => expect(servername).toBe('a.example.com'));
  });

  it('F2 rejects a dial to a server whose certificate is not trusted', async () => {
    const { port } = await startLayer({
      tls: { ...tlsOptions('server'), cert: stranger.server.cert, key: stranger.server.key },
    });
    const dialler = await startLayer({ tls: tlsOptions('client'), listen: false });
    await expect(
      dialler.layer.connect({ protocol: 'tls', side: 'external', address: '127.0.0.1', port }),
    ).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('F4 rejects a dial whose handshake never completes with CONNECT_TIMEOUT', async () => {
    const silent = createTcpServer((socket) => sockets.push(socket));
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const dialler = await startLayer({ tls: tlsOptions('client'), listen: false, limits: { handshakeTimeoutMs: 100 } });
    const port = typeof address === 'object' && address ? address.port : 0;
    await expect(
      dialler.layer.connect({ protocol: 'tls', side: 'external', address: '127.0.0.1', port }),
    ).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
  });
});

describe('Y4 TLS handshake limits', () => {
  it('Y4 closes a client that never completes the TLS handshake within the timeout', async () => {
    const { layer, port } = await startLayer({ tls: tlsOptions('server'), limits: { handshakeTimeoutMs: 100 } });
    const socket = await rawClient(port);
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(layer.stats.handshakeTimeouts).toBe(1);
    expect(layer.gauges).toMatchObject({ handshakesInProgress: 0, streamConnections: 0 });
  });

  it('O5 close() aborts handshakes in progress instead of waiting for their timeout', async () => {
    const { layer, port } = await startLayer({ tls: tlsOptions('server'), limits: { handshakeTimeoutMs: 10_000 } });
    const socket = await rawClient(port);
    await vi.waitFor(() => expect(layer.gauges.handshakesInProgress).toBe(1));
    const started = Date.now();
    await Promise.all([layer.close(), new Promise((resolve) => socket.on('close', resolve))]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('Y4 refuses connections beyond the cap on handshakes in progress', async () => {
    const { layer, port } = await startLayer({ tls: tlsOptions('server'), limits: { maxHandshakesInProgress: 1 } });
    await rawClient(port);
    await vi.waitFor(() => expect(layer.stats.acceptedConnections).toBe(1));
    const refused = await rawClient(port);
    await new Promise((resolve) => refused.on('close', resolve));
    expect(layer.stats.refusedConnections).toBe(1);
  });
});
