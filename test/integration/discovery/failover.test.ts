// D2 failover, end to end: a real edge (createEdge) routes with the DiscoveryRouter over bind9; the
// peer's first SRV target refuses connections, the second answers. The MESSAGE gets its 200.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimerWheel } from '../../../src/clock/timer-wheel.js';
import { configSchema } from '../../../src/config/config-schema.js';
import { createEdge, type Edge } from '../../../src/edge.js';
import { withoutCommunity } from '../../../src/routing/community-router.js';
import { DiscoveryRouter } from '../../../src/routing/discovery-router.js';
import { parseDatagram } from '../../../src/sip/datagram-parser.js';
import { DEFAULT_PARSER_LIMITS } from '../../../src/sip/parser-limits.js';
import { BIND9_SETUP_TIMEOUT_MS, startBind9, type Bind9 } from '../../support/bind9.js';
import { RecordingFlow } from '../../support/recording-flow.js';

let bind: Bind9;
let peer: Server;
let refusedPort: number;
let answerPort: number;
const received: string[] = [];

/** A port nothing listens on: taken from the kernel, then given back. */
async function closedTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** The peer that answers: 200 OK to every request, echoing the headers RFC 3261 §8.2.6 copies. */
function answer(socket: Socket): void {
  let buffer = '';
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffer.slice(0, end);
    buffer = '';
    received.push(head);
    const copied = head.split('\r\n').filter((line) => /^(Via|From|To|Call-ID|CSeq):/i.test(line));
    socket.write(
      [
        'SIP/2.0 200 OK',
        ...copied.map((l) => (/^To:/i.test(l) ? `${l};tag=peer` : l)),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
  });
}

beforeAll(async () => {
  peer = createServer(answer);
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  answerPort = (peer.address() as { port: number }).port;
  refusedPort = await closedTcpPort();
  bind = await startBind9({
    zones: ['failover.example.net'],
    substitutions: { REFUSED_PORT: String(refusedPort), ANSWER_PORT: String(answerPort) },
  });
}, BIND9_SETUP_TIMEOUT_MS);

afterAll(async () => {
  await bind?.stop();
  await new Promise((resolve) => peer?.close(resolve));
});

async function edgeWithDiscovery(): Promise<{
  edge: Edge;
  router: DiscoveryRouter;
  clock: TimerWheel;
  sipPort: number;
}> {
  const sipPort = await freeUdpPort();
  const config = configSchema.parse({
    domains: ['a.example.com'],
    listen: {
      internal: [{ transport: 'udp', address: '127.0.0.1', port: sipPort }],
      external: [{ transport: 'tcp', address: '127.0.0.1', port: await closedTcpPort() }],
    },
    state: { backend: 'memory' },
    discovery: { federation: 'open', resolvers: [bind.resolver], transports: ['tcp'], timeoutMs: 1_000 },
  });
  const clock = new TimerWheel();
  clock.start();
  const router = new DiscoveryRouter({ config, clock });
  const edge = createEdge({ config, clock, router: withoutCommunity(router) });
  await edge.listen();
  return { edge, router, clock, sipPort };
}

/** The ports of the targets the router hands the proxy for a MESSAGE to bob@failover.example.net. */
async function routedPorts(router: DiscoveryRouter): Promise<number[]> {
  const frame = parseDatagram(Buffer.from(message(5060), 'latin1'), DEFAULT_PARSER_LIMITS);
  if (frame.kind !== 'message' || frame.message.kind !== 'request') throw new Error('the test MESSAGE did not parse');
  const request = frame.message;
  const decision = await router.route({
    request,
    flow: new RecordingFlow({ side: 'internal' }),
    requestUri: request.requestUri,
    nextHop: undefined,
  });
  if (decision.kind !== 'forward') throw new Error(`expected targets, got ${JSON.stringify(decision)}`);
  return decision.targets.map((t) => t.port);
}

function message(localPort: number): string {
  return [
    'MESSAGE sip:bob@failover.example.net SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK-failover-1;rport`,
    'Max-Forwards: 70',
    'From: <sip:alice@a.example.com>;tag=a1',
    'To: <sip:bob@failover.example.net>',
    'Call-ID: failover-1@a.example.com',
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    'Content-Length: 5',
    '',
    'hello',
  ].join('\r\n');
}

async function sendAndWait(socket: UdpSocket, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no final response within 5 s')), 5_000);
    socket.on('message', (datagram: Buffer) => {
      const response = datagram.toString('latin1');
      if (/^SIP\/2\.0 1\d\d /.test(response)) return;
      clearTimeout(timer);
      resolve(response);
    });
    socket.send(text, port, '127.0.0.1');
  });
}

describe('D2 failover to the next discovered target', () => {
  it('D2 orders the targets by SRV priority: the refusing one first', async () => {
    const { edge, router, clock } = await edgeWithDiscovery();
    try {
      expect(await routedPorts(router)).toEqual([refusedPort, answerPort]);
    } finally {
      await edge.stop(100);
      clock.stop();
    }
  });

  it('D2 a MESSAGE whose first target refuses the connection is answered by the second', async () => {
    const { edge, clock, sipPort } = await edgeWithDiscovery();
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    try {
      const response = await sendAndWait(client, sipPort, message(client.address().port));
      expect(response).toMatch(/^SIP\/2\.0 200 OK\r\n/);
      expect(received.some((head) => head.startsWith('MESSAGE sip:bob@failover.example.net SIP/2.0'))).toBe(true);
    } finally {
      client.close();
      await edge.stop(100);
      clock.stop();
    }
  });

  it('D2 after reportFailure the refusing target goes last for the back-off period', async () => {
    const { edge, router, clock } = await edgeWithDiscovery();
    try {
      router.reportFailure({ protocol: 'tcp', address: '127.0.0.1', port: refusedPort, side: 'external' });
      expect(await routedPorts(router)).toEqual([answerPort, refusedPort]);
    } finally {
      await edge.stop(100);
      clock.stop();
    }
  });
});
