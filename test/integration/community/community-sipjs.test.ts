// SPEC I7 with a real browser SIP stack: SIP.js (the library browser clients are built on) runs in
// this process over the `ws` package standing in for the browser's WebSocket. Two users register with
// digest through the edge's ws listener and exchange a MESSAGE, which reaches the recipient over the
// connection it registered on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { UserAgent as SipJsUserAgent } from 'sip.js';
import { type Edge } from '../../../src/edge.js';
import { LOCAL_DOMAIN, LOOPBACK, PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { testCertificates } from '../../support/test-certificates.js';

let edge: Edge;
let server: string;
const agents: SipJsUserAgent[] = [];

beforeAll(async () => {
  // SIP.js opens its transport with the browser's global WebSocket; Node 20 has none.
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  const allocator = new PortAllocator();
  const [wsPort, tlsPort, adminPort] = [allocator.take(), allocator.take(), allocator.take()];
  const certs = testCertificates();
  edge = await startEdge({
    yaml: [
      `domains: [${LOCAL_DOMAIN}]`,
      'listen:',
      `  internal: [{ transport: ws, address: ${LOOPBACK}, port: ${wsPort} }]`,
      `  external: [{ transport: tls, address: ${LOOPBACK}, port: ${tlsPort} }]`,
      'internal: { registrar: builtin, presence: builtin }',
      'routes: []',
      'state: { backend: memory }',
      `admin: { listen: "${LOOPBACK}:${adminPort}" }`,
      'log: { level: warn }',
      '',
    ].join('\n'),
    tls: { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  });
  for (const user of ['alice', 'bob'])
    await edge.community!.directory.add({
      address: `${user}@${LOCAL_DOMAIN}`,
      password: `${user}-pw`,
      realm: LOCAL_DOMAIN,
    });
  server = `ws://${LOOPBACK}:${wsPort}/`;
});

afterAll(async () => {
  for (const agent of agents) await agent.stop().catch(() => undefined);
  if (edge !== undefined) await stopEdge(edge);
});

async function startAgent(user: string, onMessage?: (body: string) => void): Promise<SipJsUserAgent> {
  const { UserAgent } = await import('sip.js');
  const agent = new UserAgent({
    uri: UserAgent.makeURI(`sip:${user}@${LOCAL_DOMAIN}`)!,
    authorizationUsername: user,
    authorizationPassword: `${user}-pw`,
    transportOptions: { server, traceSip: false },
    logLevel: 'error',
    delegate:
      onMessage === undefined
        ? {}
        : {
            onMessage: (message) => {
              onMessage(message.request.body);
              void message.accept();
            },
          },
  });
  agents.push(agent);
  await agent.start();
  return agent;
}

async function register(agent: SipJsUserAgent): Promise<void> {
  const { Registerer, RegistererState } = await import('sip.js');
  const registerer = new Registerer(agent, { expires: 300 });
  const registered = new Promise<void>((resolve, reject) => {
    registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Registered) resolve();
      if (state === RegistererState.Unregistered) reject(new Error('registration refused'));
    });
  });
  await registerer.register();
  await registered;
}

describe('I7 SIP.js clients on the WebSocket listener', () => {
  it('I7 SIP.js registers with digest over ws and receives a MESSAGE another SIP.js client sends', async () => {
    const bodies: string[] = [];
    const alice = await startAgent('alice', (body) => bodies.push(body));
    await register(alice);
    const bob = await startAgent('bob');
    await register(bob);
    const { Messager, UserAgent } = await import('sip.js');
    const accepted = new Promise<number>((resolve) => {
      void new Messager(bob, UserAgent.makeURI(`sip:alice@${LOCAL_DOMAIN}`)!, 'hello from SIP.js').message({
        requestDelegate: {
          onAccept: (response) => resolve(response.message.statusCode ?? 0),
          onReject: (response) => resolve(response.message.statusCode ?? 0),
        },
      });
    });
    expect(await accepted).toBe(200);
    expect(bodies).toEqual(['hello from SIP.js']);
  });
});
