// SPEC I7 end to end: browser-like clients on the edge's ws listener register with digest, receive a
// MESSAGE over the connection they registered on (their Contact is a `.invalid` host nobody can
// dial), watch each other's presence, and when one disappears its binding, subscription and
// published state end at once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Edge } from '../../../src/edge.js';
import { LOCAL_DOMAIN, LOOPBACK, PortAllocator, startEdge, stopEdge } from '../../support/edge-harness.js';
import { testCertificates } from '../../support/test-certificates.js';
import { WebSocketBrowser } from './websocket-browser.js';

const ORIGIN = 'https://app.a.example.com';
let edge: Edge;
let url: string;
const browsers: WebSocketBrowser[] = [];

beforeAll(async () => {
  const allocator = new PortAllocator();
  const [wsPort, tcpPort, tlsPort, adminPort] = [
    allocator.take(),
    allocator.take(),
    allocator.take(),
    allocator.take(),
  ];
  const yaml = [
    `domains: [${LOCAL_DOMAIN}]`,
    'listen:',
    '  internal:',
    `    - { transport: ws, address: ${LOOPBACK}, port: ${wsPort}, path: /sip, origins: [${ORIGIN}] }`,
    `    - { transport: tcp, address: ${LOOPBACK}, port: ${tcpPort} }`,
    '  external:',
    `    - { transport: tls, address: ${LOOPBACK}, port: ${tlsPort} }`,
    'internal: { registrar: builtin, presence: builtin }',
    'routes: []',
    'state: { backend: memory }',
    `admin: { listen: "${LOOPBACK}:${adminPort}" }`,
    'log: { level: warn }',
    '',
  ].join('\n');
  const certs = testCertificates();
  edge = await startEdge({
    yaml,
    tls: { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
  });
  for (const user of ['alice', 'bob', 'carol', 'dave'])
    await edge.community!.directory.add({
      address: `${user}@${LOCAL_DOMAIN}`,
      password: `${user}-pw`,
      realm: LOCAL_DOMAIN,
    });
  url = `ws://${LOOPBACK}:${wsPort}/sip`;
});

afterAll(async () => {
  for (const browser of browsers) browser.socket.terminate();
  if (edge !== undefined) await stopEdge(edge);
});

async function browser(user: string): Promise<WebSocketBrowser> {
  const opened = await WebSocketBrowser.open(url, user, LOCAL_DOMAIN, ORIGIN);
  browsers.push(opened);
  return opened;
}

function message(from: WebSocketBrowser, to: string, callId: string, text: string) {
  return from.request(
    [
      `MESSAGE sip:${to}@${LOCAL_DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/WS ${from.host};branch=${from.nextBranch()}`,
      'Max-Forwards: 70',
      `From: <${from.aor}>;tag=m${from.user}`,
      `To: <sip:${to}@${LOCAL_DOMAIN}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
      'Content-Type: text/plain',
    ],
    text,
  );
}

function presenceRequest(
  from: WebSocketBrowser,
  method: 'SUBSCRIBE' | 'PUBLISH',
  target: string,
  callId: string,
  body = '',
) {
  return from.request(
    [
      `${method} sip:${target}@${LOCAL_DOMAIN} SIP/2.0`,
      `Via: SIP/2.0/WS ${from.host};branch=${from.nextBranch()}`,
      'Max-Forwards: 70',
      `From: <${from.aor}>;tag=p${from.user}`,
      `To: <sip:${target}@${LOCAL_DOMAIN}>`,
      `Call-ID: ${callId}`,
      `CSeq: 1 ${method}`,
      `Contact: <${from.contact}>`,
      'Event: presence',
      'Expires: 600',
      ...(method === 'SUBSCRIBE' ? ['Accept: application/pidf+xml'] : ['Content-Type: application/pidf+xml']),
    ],
    body,
  );
}

function pidf(user: string, basic: 'open' | 'closed'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${user}@${LOCAL_DOMAIN}"><tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>`;
}

describe('I7 browsers on the SIP WebSocket listener', () => {
  it('I7 a browser registers with digest and receives a MESSAGE over the connection it registered on', async () => {
    const alice = await browser('alice');
    const bob = await browser('bob');
    const registered = await alice.register('alice-pw');
    expect(registered.status).toBe(200);
    expect(registered.headers.get('contact')).toContain(alice.contact);

    const answered = await message(bob, 'alice', 'ws-message-1', 'hello over websocket');
    expect(answered.status).toBe(200);
    const [delivered] = await alice.waitFor('MESSAGE');
    expect(delivered!.requestUriText).toBe(alice.contact);
    expect(delivered!.body.toString()).toBe('hello over websocket');
    // RFC 7118 §5: the edge's own Via names its WebSocket listener.
    expect(delivered!.headers.get('via')).toMatch(/^SIP\/2\.0\/WS 127\.0\.0\.1:\d+;/);
  });

  it('I7 I5 a user signed in from two browsers gets a MESSAGE on both connections', async () => {
    const tab1 = await browser('dave');
    const tab2 = await browser('dave');
    const sender = await browser('bob');
    expect((await tab1.register('dave-pw')).status).toBe(200);
    expect((await tab2.register('dave-pw')).status).toBe(200);
    expect((await message(sender, 'dave', 'ws-fork-1', 'to both tabs')).status).toBe(200);
    const [first] = await tab1.waitFor('MESSAGE');
    const [second] = await tab2.waitFor('MESSAGE');
    expect(first!.requestUriText).toBe(tab1.contact);
    expect(second!.requestUriText).toBe(tab2.contact);
  });

  it('I7 a closed connection ends the browser binding, its subscription, and its published state for its watchers', async () => {
    const carol = await browser('carol');
    const bob = await browser('bob');
    expect((await carol.register('carol-pw')).status).toBe(200);
    // bob watches carol; carol publishes; bob hears it.
    expect((await presenceRequest(bob, 'SUBSCRIBE', 'carol', 'ws-watch-carol')).status).toBe(200);
    await bob.waitFor('NOTIFY', 1);
    expect((await presenceRequest(carol, 'PUBLISH', 'carol', 'ws-publish-carol', pidf('carol', 'open'))).status).toBe(
      200,
    );
    const afterPublish = await bob.waitFor('NOTIFY', 2);
    expect(afterPublish[1]!.body.toString()).toContain('<basic>open</basic>');
    // carol watches bob too: her subscription must end with her connection.
    expect((await presenceRequest(carol, 'SUBSCRIBE', 'bob', 'ws-watch-bob')).status).toBe(200);

    carol.socket.close(1000);
    await carol.closed;
    // bob is told that carol's published state went: a NOTIFY without her open tuple.
    const afterClose = await bob.waitFor('NOTIFY', 3);
    expect(afterClose[2]!.body.toString()).not.toContain('<basic>open</basic>');
    // Her binding is gone: a MESSAGE for her finds nobody (480), not a dead connection.
    expect((await message(bob, 'carol', 'ws-message-gone', 'are you there?')).status).toBe(480);
    // And her subscription to bob's presence ended, as did her binding: both counted.
    const metrics = await edge.metrics.registry.getSingleMetricAsString('simple_edge_websocket_departures_total');
    expect(metrics).toMatch(/ended="binding"} [1-9]/);
    expect(metrics).toMatch(/ended="subscription"} [1-9]/);
  });
});
