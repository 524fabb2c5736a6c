// P7-P9 on the wire: the edge in-process between a community endpoint on its internal side (TCP:
// presence server and watchers) and a peer's edge on its external side (mutual TLS with the
// development certificates), with a wall clock the tests move by hand. What crosses is counted where
// it arrives.

import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminServer } from '../../../src/admin/admin-server.js';
import { parseConfigText } from '../../../src/config/load-config.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createEdge, type Edge } from '../../../src/edge.js';
import { parseContact } from '../../../src/sip/contact.js';
import type { IncomingRequest, IncomingResponse } from '../../../src/sip/incoming-message.js';
import { edgeConfigYaml, edgeTlsOptions, stopEdge } from '../../support/edge-harness.js';
import { sipMessage, type SipEndpoint } from './sip-endpoint.js';
import { openEndpointLab, type EndpointLab } from './endpoint-lab.js';

const DAY_MS = 86_400_000;
let wallNow = Date.UTC(2026, 10, 21, 12, 0, 0);
let lab: EndpointLab | undefined;
let edge: Edge;
let community: SipEndpoint;
let peer: SipEndpoint;
let toInternal: Socket;
let toExternal: Socket;
const ports = { internal: 0, external: 0, community: 0, peer: 0 };

/** One end of a dialog, enough to send requests in it (RFC 3261 §12.2.1.1). */
interface DialogEnd {
  readonly endpoint: SipEndpoint;
  readonly socket: Socket;
  readonly transport: 'TCP' | 'TLS';
  readonly callId: string;
  readonly local: string;
  readonly remote: string;
  readonly remoteTarget: string;
  readonly routes: readonly string[];
  cseq: number;
}

function pidf(entity: string, basic: 'open' | 'closed'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}"><tuple id="t1"><status><basic>${basic}</basic></status></tuple></presence>`;
}

function send(end: DialogEnd, method: string, headers: readonly string[], body = ''): Promise<IncomingResponse> {
  const port = end.transport === 'TCP' ? ports.community : ports.peer;
  return end.endpoint.request(
    end.socket,
    sipMessage(
      [
        `${method} ${end.remoteTarget} SIP/2.0`,
        `Via: SIP/2.0/${end.transport} 127.0.0.1:${port};branch=${end.endpoint.nextBranch()}`,
        'Max-Forwards: 70',
        ...end.routes.map((r) => `Route: ${r}`),
        `From: ${end.local}`,
        `To: ${end.remote}`,
        `Call-ID: ${end.callId}`,
        `CSeq: ${++end.cseq} ${method}`,
        ...headers,
      ],
      body,
    ),
  );
}

function notifyFrom(notifier: DialogEnd, state: string, basic?: 'open' | 'closed'): Promise<IncomingResponse> {
  const body = basic === undefined ? '' : pidf(notifier.local.replace(/^<([^>]*)>.*$/, '$1'), basic);
  return send(
    notifier,
    'NOTIFY',
    [
      'Event: presence',
      `Subscription-State: ${state}`,
      `Contact: <${notifier.remoteTarget}>`,
      ...(body === '' ? [] : ['Content-Type: application/pidf+xml']),
    ],
    body,
  );
}

/**
 * A SUBSCRIBE from `watcher` through the edge, answered by `notifier`: both ends of the dialog it
 * created, each with the route set RFC 3261 §12.1 gives it.
 */
async function subscribe(options: {
  watcher: SipEndpoint;
  socket: Socket;
  transport: 'TCP' | 'TLS';
  notifier: SipEndpoint;
  from: string;
  to: string;
  callId: string;
  expires: number;
}): Promise<{ watcher: DialogEnd; notifier: DialogEnd }> {
  const { watcher, notifier, callId } = options;
  const watcherPort = options.transport === 'TCP' ? ports.community : ports.peer;
  const contact = `sip:${options.from.split('@')[0]!.slice(4)}@127.0.0.1:${watcherPort};transport=${options.transport.toLowerCase()}`;
  const ok = await watcher.request(
    options.socket,
    sipMessage([
      `SUBSCRIBE ${options.to} SIP/2.0`,
      `Via: SIP/2.0/${options.transport} 127.0.0.1:${watcherPort};branch=${watcher.nextBranch()}`,
      'Max-Forwards: 70',
      `From: <${options.from}>;tag=w-${callId.split('@')[0]!}`,
      `To: <${options.to}>`,
      `Call-ID: ${callId}`,
      'CSeq: 1 SUBSCRIBE',
      `Contact: <${contact}>`,
      'Event: presence',
      'Accept: application/pidf+xml',
      `Expires: ${options.expires}`,
    ]),
  );
  expect(ok.status, ok.headers.get('warning')).toBe(200);
  const received = notifier.received.find((r) => r.request.method === 'SUBSCRIBE' && r.request.callId === callId)!;
  const request: IncomingRequest = received.request;
  const notifierContact = parseContact(ok.headers.get('contact')!);
  return {
    watcher: {
      endpoint: watcher,
      socket: options.socket,
      transport: options.transport,
      callId,
      local: request.headers.get('from')!,
      remote: ok.headers.get('to')!,
      remoteTarget: notifierContact.star ? '' : notifierContact.values[0]!.uriText,
      routes: ok.headers.values('record-route').reverse(),
      cseq: 1,
    },
    notifier: {
      endpoint: notifier,
      socket: received.socket,
      transport: options.transport === 'TCP' ? 'TLS' : 'TCP',
      callId,
      local: ok.headers.get('to')!,
      remote: request.headers.get('from')!,
      remoteTarget: contact,
      routes: request.headers.values('record-route'),
      cseq: 100,
    },
  };
}

/** Presence servers and notifiers answer a SUBSCRIBE with its Expires and their Contact (RFC 6665 §4.2.1.1). */
function answerSubscriptions(endpoint: SipEndpoint, port: number, transport: 'tcp' | 'tls'): void {
  endpoint.answer = (request) =>
    request.method !== 'SUBSCRIBE'
      ? { status: 200 }
      : {
          status: 200,
          headers: [
            `Expires: ${request.headers.get('expires') ?? '3600'}`,
            `Contact: <sip:notifier@127.0.0.1:${port};transport=${transport}>`,
          ],
        };
}

beforeAll(async () => {
  lab = await openEndpointLab('subscriptions');
  ({ community, peer } = lab);
  Object.assign(ports, lab.ports);
  const { files, allocator } = lab;
  answerSubscriptions(community, ports.community, 'tcp');
  answerSubscriptions(peer, ports.peer, 'tls');
  const yaml = edgeConfigYaml({
    internal: [{ transport: 'tcp', port: ports.internal }],
    external: [{ transport: 'tls', port: ports.external }],
    presence: [{ port: ports.community, transport: 'tcp' }],
    peer: [{ port: ports.peer, transport: 'tls' }],
    adminPort: allocator.take(),
    logLevel: 'warn',
  });
  const parsed = parseConfigText(yaml, 'test');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  edge = createEdge({ config: parsed.config, tls: edgeTlsOptions(files), wallClock: () => wallNow });
  await edge.listen();
  ({ toInternal, toExternal } = await lab.connectToEdge());
});

afterAll(() =>
  lab?.close(async () => {
    if (edge !== undefined) await stopEdge(edge);
  }),
);

describe('P8 NOTIFY refresh storms across the border', () => {
  it('P8 MUST let one of 100 unchanged NOTIFYs from our presence server cross to the peer, answer the rest 200, and let a change cross at once', async () => {
    const { notifier } = await subscribe({
      watcher: peer,
      socket: toExternal,
      transport: 'TLS',
      notifier: community,
      from: 'sip:bob@b.example.net',
      to: 'sip:alice@a.example.com',
      callId: 'storm@b.example.net',
      expires: 3600,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await notifyFrom(notifier, 'active;expires=3600', 'open')).status);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(peer.requests('NOTIFY', 'storm@b.example.net')).toHaveLength(1);
    expect((await notifyFrom(notifier, 'active;expires=3500', 'closed')).status).toBe(200);
    await peer.waitFor('NOTIFY', 'storm@b.example.net', 2);
    for (let i = 0; i < 20; i++) await notifyFrom(notifier, 'active;expires=3500', 'closed');
    wallNow += 600_000;
    await notifyFrom(notifier, 'active;expires=2900', 'closed');
    await notifyFrom(notifier, 'active;expires=2900', 'closed');
    await notifyFrom(notifier, 'terminated;reason=timeout');
    const crossed = await peer.waitFor('NOTIFY', 'storm@b.example.net', 4);
    expect(crossed.map((n) => n.headers.get('subscription-state'))).toEqual([
      'active;expires=3600',
      'active;expires=3500',
      'active;expires=2900',
      'terminated;reason=timeout',
    ]);
  });

  it("P8 MUST refuse a peer's unchanged NOTIFYs beyond one per interval with 503 and Retry-After, and let a change cross", async () => {
    const { notifier } = await subscribe({
      watcher: community,
      socket: toInternal,
      transport: 'TCP',
      notifier: peer,
      from: 'sip:dave@a.example.com',
      to: 'sip:carol@b.example.net',
      callId: 'inbound-storm@a.example.com',
      expires: 3600,
    });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await notifyFrom(notifier, 'active', 'open'));
    expect(answers.map((a) => a.status)).toEqual([200, ...Array<number>(29).fill(503)]);
    expect(Number(answers[1]!.headers.get('retry-after'))).toBeGreaterThan(590);
    expect(community.requests('NOTIFY', 'inbound-storm@a.example.com')).toHaveLength(1);
    expect((await notifyFrom(notifier, 'active', 'closed')).status).toBe(200);
    expect(community.requests('NOTIFY', 'inbound-storm@a.example.com')).toHaveLength(2);
  });
});

describe('P9 contact accuracy', () => {
  it('P9 MUST revalidate a subscription refreshed daily but not renewed by a fresh SUBSCRIBE for 45 days', async () => {
    const { watcher } = await subscribe({
      watcher: community,
      socket: toInternal,
      transport: 'TCP',
      notifier: peer,
      from: 'sip:erin@a.example.com',
      to: 'sip:frank@b.example.net',
      callId: 'old@a.example.com',
      expires: 86_400,
    });
    for (let day = 1; day <= 45; day++) {
      wallNow += DAY_MS;
      expect(
        (await send(watcher, 'SUBSCRIBE', ['Event: presence', 'Accept: application/pidf+xml', 'Expires: 86400']))
          .status,
      ).toBe(200);
    }
    expect(await edge.subscriptions.revalidate()).toEqual({ revalidated: 1 });
    const [notify] = await community.waitFor('NOTIFY', 'old@a.example.com', 1);
    expect(notify!.headers.get('subscription-state')).toBe('terminated;reason=deactivated');
    expect(notify!.to.tag).toBe('w-old');
    const unsubscribe = (await peer.waitFor('SUBSCRIBE', 'old@a.example.com', 47)).at(-1)!;
    expect([unsubscribe.headers.get('expires'), unsubscribe.cseq.seq]).toEqual(['0', 47]);
  });
});

describe('X3 removal of a user', () => {
  it('X3 a user removed through the admin API: each of three external watchers MUST get NOTIFY terminated;reason=noresource, and the address is tombstoned', async () => {
    for (const n of [1, 2, 3]) {
      await subscribe({
        watcher: peer,
        socket: toExternal,
        transport: 'TLS',
        notifier: community,
        from: `sip:watcher${n}@b.example.net`,
        to: 'sip:gone@a.example.com',
        callId: `x3-${n}@b.example.net`,
        expires: 3600,
      });
    }
    const admin = new AdminServer({
      address: '127.0.0.1',
      port: 0,
      token: 'operator',
      backend: edge.admin,
      log: silentLogger(),
    });
    await admin.listen();
    try {
      const removal = await fetch(`http://127.0.0.1:${admin.address.port}/admin/tombstones`, {
        method: 'POST',
        headers: { authorization: 'Bearer operator' },
        body: JSON.stringify({ address: 'gone@a.example.com' }),
      });
      expect(removal.status).toBe(201);
      expect(await removal.json()).toMatchObject({ address: 'sip:gone@a.example.com', watchers: 3, acknowledged: 3 });
    } finally {
      await admin.close();
    }
    for (const n of [1, 2, 3]) {
      const [notify] = await peer.waitFor('NOTIFY', `x3-${n}@b.example.net`, 1);
      expect([notify!.headers.get('subscription-state'), notify!.to.tag, notify!.requestUriText]).toEqual([
        'terminated;reason=noresource',
        `w-x3-${n}`,
        `sip:watcher${n}@127.0.0.1:${ports.peer};transport=tls`,
      ]);
    }
    const again = await peer.request(
      toExternal,
      sipMessage([
        'SUBSCRIBE sip:gone@a.example.com SIP/2.0',
        `Via: SIP/2.0/TLS 127.0.0.1:${ports.peer};branch=${peer.nextBranch()}`,
        'Max-Forwards: 70',
        'From: <sip:watcher1@b.example.net>;tag=again',
        'To: <sip:gone@a.example.com>',
        'Call-ID: x3-again@b.example.net',
        'CSeq: 1 SUBSCRIBE',
        `Contact: <sip:watcher1@127.0.0.1:${ports.peer};transport=tls>`,
        'Event: presence',
        'Expires: 3600',
      ]),
    );
    expect(again.status).toBe(404);
  });
});
