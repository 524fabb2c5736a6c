import { beforeEach, describe, expect, it } from 'vitest';
import { communityRequest } from '../../test/support/community-requests.js';
import { configSchema } from '../config/config-schema.js';
import type { InDialogRequest } from '../policy/subscriptions/subscription-actions.js';
import { MemoryStore } from '../state/memory-store.js';
import type { LocalAnswer } from './community-answer.js';
import { createCommunity, type Community } from './create-community.js';
import type { RequestOrigin } from './presence-origin.js';

const ALICE = 'sip:alice@a.example.com';
const LOCAL: RequestOrigin = {
  side: 'internal',
  protocol: 'udp',
  peer: 'a.example.com',
  target: ALICE,
  source: { address: '10.0.0.99', port: 40_000 },
};
const PEER: RequestOrigin = {
  side: 'external',
  protocol: 'tls',
  peer: 'b.example.net',
  target: ALICE,
  source: { address: '198.51.100.20', port: 5061 },
};
const RPID = 'urn:ietf:params:xml:ns:pidf:rpid';

let now: number;
let sent: InDialogRequest[];

async function community(extra: Record<string, unknown> = {}): Promise<Community> {
  const store = new MemoryStore({ now: () => now });
  const config = configSchema.parse({ domains: ['a.example.com'], ...extra });
  const built = await createCommunity({
    config,
    store,
    now: () => now,
    presence: {
      actions: { send: async (request) => (sent.push(request), 200) },
      contactFor: () => 'sip:127.0.0.1:5060',
      onError: (error) => {
        throw error;
      },
    },
  });
  await built.directory.add({ address: 'alice@a.example.com', password: 'pw', realm: 'a.example.com' });
  return built;
}

function pidf(tuple: string, extra = ''): string {
  return (
    `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="${RPID}" xmlns:x="urn:example:unknown" entity="${ALICE}">` +
    `<tuple id="${tuple}"><status><basic>open</basic></status></tuple>${extra}</presence>`
  );
}

function publish(server: Community, body: string, headers: string[] = []): Promise<LocalAnswer> {
  const request = communityRequest({
    method: 'PUBLISH',
    uri: ALICE,
    from: `<${ALICE}>;tag=p1`,
    to: `<${ALICE}>`,
    headers: ['Event: presence', 'Content-Type: application/pidf+xml', ...headers],
    body,
  });
  return server.presence!.handle(request, LOCAL);
}

function subscribe(
  server: Community,
  origin: RequestOrigin,
  watcher: string,
  headers: string[] = [],
): Promise<LocalAnswer> {
  const request = communityRequest({
    method: 'SUBSCRIBE',
    uri: ALICE,
    from: `<${watcher}>;tag=w1`,
    to: `<${ALICE}>`,
    callId: `sub-${watcher}`,
    headers: [
      'Event: presence',
      'Contact: <sip:watcher@127.0.0.1:5080>',
      ...headers,
      ...(headers.some((h) => h.startsWith('Expires')) ? [] : ['Expires: 600']),
    ],
  });
  return server.presence!.handle(request, origin);
}

async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  now = 1_700_000_000_000;
  sent = [];
});

describe('I2 built-in presence server (RFC 3903, RFC 6665, RFC 3856)', () => {
  it('accepts a SUBSCRIBE with a 200 and then sends the initial NOTIFY with the published PIDF', async () => {
    const server = await community();
    const published = await publish(server, pidf('t1'));
    expect(published.status).toBe(200);
    expect(published.headers!.map(([name]) => name)).toEqual(['SIP-ETag', 'Expires']);
    const accepted = await subscribe(server, LOCAL, 'sip:bob@a.example.com');
    expect(accepted).toMatchObject({ status: 200, toTag: expect.any(String) });
    accepted.afterAnswer!();
    await settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'NOTIFY',
      recipient: 'watcher',
      requestUri: 'sip:watcher@127.0.0.1:5080',
      cseq: 1,
      to: '<sip:bob@a.example.com>;tag=w1',
    });
    expect(sent[0]!.headers).toContainEqual(['Subscription-State', 'active;expires=600']);
    expect(sent[0]!.body!.toString()).toContain('<tuple id="t1">');
  });

  it("B3 sends a community watcher's NOTIFYs to where its SUBSCRIBE came from, not where its Contact points", async () => {
    const server = await community();
    (await subscribe(server, LOCAL, 'sip:bob@a.example.com')).afterAnswer!();
    (await subscribe(server, PEER, 'sip:carol@b.example.net')).afterAnswer!();
    await settled();
    expect(sent[0]).toMatchObject({
      requestUri: 'sip:watcher@127.0.0.1:5080',
      destination: { protocol: 'udp', address: '10.0.0.99', port: 40_000 },
    });
    // Across the border the peer's authenticated connection carries it: no pinned address.
    expect(sent[1]!.destination).toBeUndefined();
  });

  it('composes two publications into one document, keeping RPID activity, CIPID and unknown extensions', async () => {
    const server = await community();
    await publish(
      server,
      pidf(
        'phone',
        '<dm:person xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" id="p"><rpid:activities><rpid:on-the-phone/></rpid:activities></dm:person>',
      ),
    );
    await publish(
      server,
      pidf(
        'pc',
        '<x:mood-ring colour="teal"/><c:card xmlns:c="urn:ietf:params:xml:ns:pidf:cipid"><c:display-name>Alice</c:display-name><c:icon>http://a.example.com/a.png</c:icon></c:card>',
      ),
    );
    (await subscribe(server, LOCAL, 'sip:bob@a.example.com')).afterAnswer!();
    await settled();
    const body = sent[0]!.body!.toString();
    for (const piece of [
      '<tuple id="phone">',
      '<tuple id="pc">',
      '<rpid:on-the-phone/>',
      '<x:mood-ring colour="teal"/>',
      '<c:display-name>Alice</c:display-name>',
      '<c:icon>',
      `xmlns:rpid="${RPID}"`,
    ]) {
      expect(body).toContain(piece);
    }
  });

  it('sends a NOTIFY to every watcher when a publication is modified, and 412 for an unknown entity-tag', async () => {
    const server = await community();
    const etag = (await publish(server, pidf('t1'))).headers![0]![1];
    (await subscribe(server, LOCAL, 'sip:bob@a.example.com')).afterAnswer!();
    await settled();
    const modified = await publish(server, pidf('t2'), [`SIP-If-Match: ${etag}`]);
    expect(modified.status).toBe(200);
    modified.afterAnswer!();
    await settled();
    expect(sent.map((n) => n.cseq)).toEqual([1, 2]);
    expect(sent[1]!.body!.toString()).toContain('<tuple id="t2">');
    expect((await publish(server, '', ['SIP-If-Match: nope'])).status).toBe(412);
  });

  it('answers 423 with Min-Expires for a SUBSCRIBE shorter than the minimum', async () => {
    const server = await community();
    const brief = await subscribe(server, LOCAL, 'sip:bob@a.example.com', ['Expires: 5']);
    expect(brief.status).toBe(423);
  });

  it('ends a subscription on Expires: 0 with terminated;reason=timeout, and on expiry through the sweep', async () => {
    const server = await community();
    const accepted = await subscribe(server, LOCAL, 'sip:bob@a.example.com');
    const unsubscribe = communityRequest({
      method: 'SUBSCRIBE',
      uri: 'sip:127.0.0.1:5060',
      from: '<sip:bob@a.example.com>;tag=w1',
      to: `<${ALICE}>;tag=${accepted.toTag!}`,
      callId: 'sub-sip:bob@a.example.com',
      cseq: 2,
      headers: ['Event: presence', 'Expires: 0'],
    });
    (await server.presence!.handle(unsubscribe, LOCAL)).afterAnswer!();
    await settled();
    expect(sent.at(-1)!.headers).toContainEqual(['Subscription-State', 'terminated;reason=timeout']);
    await subscribe(server, LOCAL, 'sip:carol@a.example.com');
    now += 601_000;
    expect(await server.presence!.sweep()).toBe(1);
    expect(sent.at(-1)).toMatchObject({ to: '<sip:carol@a.example.com>;tag=w1' });
  });

  it('sends a NOTIFY when a publication expires, found by the sweep (RFC 3903 §4.4)', async () => {
    const server = await community();
    await publish(server, pidf('t1'), ['Expires: 120']);
    (await subscribe(server, LOCAL, 'sip:bob@a.example.com')).afterAnswer!();
    await settled();
    expect(await server.presence!.sweep()).toBe(0);
    expect(sent).toHaveLength(1);
    now += 121_000;
    await server.presence!.sweep();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.body!.toString()).toContain('<basic>closed</basic>');
  });

  it('X3 tells every watcher terminated;reason=noresource when the user is removed', async () => {
    const server = await community();
    await subscribe(server, LOCAL, 'sip:bob@a.example.com');
    await server.registrar.removeUser(ALICE);
    expect(sent.at(-1)!.headers).toContainEqual(['Subscription-State', 'terminated;reason=noresource']);
  });
});

describe('P1 presence authorization of watchers', () => {
  it('refuses an external watcher with 403 when external watchers are denied, and 404 for no such presentity', async () => {
    const server = await community({ community: { presence: { externalWatchers: 'deny' } } });
    expect((await subscribe(server, PEER, 'sip:eve@b.example.net')).status).toBe(403);
    expect(
      (
        await server.presence!.handle(
          communityRequest({ method: 'SUBSCRIBE', uri: 'sip:nobody@a.example.com', headers: ['Event: presence'] }),
          { ...PEER, target: 'sip:nobody@a.example.com' },
        )
      ).status,
    ).toBe(404);
  });

  it('lets a watcher on the presentity allow-list in, and no one else from outside', async () => {
    const server = await community({
      community: {
        presence: { externalWatchers: 'allow-list', allowedWatchers: { 'alice@a.example.com': ['*@b.example.net'] } },
      },
    });
    expect((await subscribe(server, PEER, 'sip:bob@b.example.net')).status).toBe(200);
    expect((await subscribe(server, { ...PEER, peer: 'c.example.org' }, 'sip:eve@c.example.org')).status).toBe(403);
  });

  it('in confidential mode answers a barred watcher 200 and a NOTIFY with closed status', async () => {
    const server = await community({
      community: { presence: { externalWatchers: 'deny' } },
      policy: { limits: { confidential: true } },
    });
    await publish(server, pidf('t1'));
    const accepted = await subscribe(server, PEER, 'sip:eve@b.example.net');
    expect(accepted.status).toBe(200);
    accepted.afterAnswer!();
    await settled();
    expect(sent[0]!.body!.toString()).toContain('<basic>closed</basic>');
    expect(sent[0]).toMatchObject({ side: 'external', peer: 'b.example.net' });
  });
});
