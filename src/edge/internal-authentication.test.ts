// community.authenticate through the whole edge, with no socket: the community's own MESSAGE is
// challenged 407, goes out once its Proxy-Authorization proves the From's user, and leaves without
// the edge's credentials (RFC 3261 §22.3, SPEC I2, X2).

import { afterEach, describe, expect, it } from 'vitest';
import { expectedResponse, ha1 } from '../community/digest-algorithm.js';
import { MemoryStore } from '../state/memory-store.js';
import { flowToken } from '../proxy/flow-token.js';
import type { Edge } from './edge-types.js';
import { startVirtualEdge, VIRTUAL_BORDER } from '../../test/support/virtual-edge.js';

const CONFIG = VIRTUAL_BORDER + 'community: { authenticate: [MESSAGE] }\n';

const TARGET = 'sip:dave@b.example.net';
const NONCE_LIFETIME_MS = 300_000;

let edge: Edge | undefined;
let wall = 1_700_000_000_000;

afterEach(async () => {
  await edge?.stop(0);
  edge = undefined;
});

async function edgeWithUsers(): Promise<Edge> {
  wall = 1_700_000_000_000;
  edge = await startVirtualEdge(CONFIG, { wallClock: () => wall, store: new MemoryStore({ now: () => wall }) });
  const community = edge.community!;
  for (const [user, password] of [
    ['alice', 'wonderland'],
    ['bob', 'builder'],
  ])
    await community.directory.add({
      address: `sip:${user}@a.example.com`,
      password: password!,
      realm: community.realm,
    });
  return edge;
}

let branch = 0;

function request(method: string, from: string, extra: readonly string[] = []): string {
  branch++;
  return [
    `${method} ${TARGET} SIP/2.0`,
    `Via: SIP/2.0/TCP 10.0.0.99:5070;branch=z9hG4bK-auth${branch}`,
    'Max-Forwards: 70',
    `From: <sip:${from}@a.example.com>;tag=f${branch}`,
    `To: <${TARGET}>`,
    `Call-ID: auth-${branch}`,
    `CSeq: ${branch} ${method}`,
    ...(method === 'SUBSCRIBE' ? ['Event: presence', 'Expires: 600', 'Contact: <sip:alice@10.0.0.99:5070>'] : []),
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A client's answer to the edge's Proxy-Authenticate (MD5, qop=auth). */
function proxyAuthorization(challenge: string, user: string, password: string): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1] ?? '';
  const qop = { nc: '00000001', cnonce: 'c0ffee' };
  const response = expectedResponse({
    algorithm: 'MD5',
    ha1: ha1('MD5', user, realm, password),
    method: 'MESSAGE',
    uri: TARGET,
    nonce,
    qop,
  });
  return `Proxy-Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${TARGET}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"`;
}

async function challengeFor(subject: Edge): Promise<string> {
  const first = await subject.inject(request('MESSAGE', 'alice'), { side: 'internal' });
  expect(first.responses.map((r) => r.status)).toEqual([407]);
  expect(first.forwarded).toEqual([]);
  return first.responses[0]!.headers.get('proxy-authenticate') ?? '';
}

async function metric(subject: Edge): Promise<string> {
  return subject.metrics.registry.getSingleMetricAsString('simple_edge_internal_authentications_total');
}

describe('I2 X2 community.authenticate through the edge', () => {
  it('I2 answers 407 with Proxy-Authenticate, then relays the MESSAGE that proves the From’s user', async () => {
    const subject = await edgeWithUsers();
    const challenge = await challengeFor(subject);
    expect(challenge).toMatch(/^Digest realm="a\.example\.com", nonce="[^"]+", algorithm=MD5, qop="auth"$/);

    const sent = await subject.inject(
      request('MESSAGE', 'alice', [proxyAuthorization(challenge, 'alice', 'wonderland')]),
      {
        side: 'internal',
      },
    );
    expect(sent.responses).toEqual([]);
    expect(sent.forwarded.map((f) => f.destination)).toMatchObject([{ side: 'external', servername: 'b.example.net' }]);
    const answered = await sent.forwarded[0]!.respond(200);
    expect(answered.responses.map((r) => r.status)).toEqual([200]);
    expect(await metric(subject)).toContain('{outcome="challenged",reason="no-credentials"} 1');
    expect(await metric(subject)).toContain('{outcome="accepted",reason="credentials"} 1');
  });

  it('RFC 3261 §22.3 the edge consumes its own Proxy-Authorization; an authenticated sender keeps its trust level (X2)', async () => {
    const subject = await edgeWithUsers();
    const credentials = proxyAuthorization(await challengeFor(subject), 'alice', 'wonderland');
    const sent = await subject.inject(request('MESSAGE', 'alice', [credentials, 'X-Trust-Level: trusted']), {
      side: 'internal',
    });
    const out = sent.forwarded[0]!.request;
    expect(out.headers.getAll('proxy-authorization')).toEqual([]);
    expect(out.headers.get('x-trust-level')).toBe('trusted');
  });

  it('I2 answers 403 when the credentials prove another user than the From (no alice sending as bob)', async () => {
    const subject = await edgeWithUsers();
    const credentials = proxyAuthorization(await challengeFor(subject), 'alice', 'wonderland');
    const result = await subject.inject(request('MESSAGE', 'bob', [credentials]), { side: 'internal' });
    expect(result.responses.map((r) => [r.status, r.headers.get('warning')])).toEqual([
      [403, '399 simple-edge "authenticated as sip:alice@a.example.com, not the From"'],
    ]);
    expect(result.forwarded).toEqual([]);
    expect(await metric(subject)).toContain('{outcome="refused",reason="identity-mismatch"} 1');
  });

  it('I2 answers a right response to an expired nonce with a fresh 407 marked stale=true', async () => {
    const subject = await edgeWithUsers();
    const credentials = proxyAuthorization(await challengeFor(subject), 'alice', 'wonderland');
    wall += NONCE_LIFETIME_MS + 1000;
    const result = await subject.inject(request('MESSAGE', 'alice', [credentials]), { side: 'internal' });
    expect(result.responses.map((r) => r.status)).toEqual([407]);
    expect(result.responses[0]!.headers.get('proxy-authenticate')).toMatch(/, stale=true$/);
    expect(result.forwarded).toEqual([]);
  });

  it('I2 X2 a method not listed is not challenged, and leaves without a trust level it could not prove', async () => {
    const subject = await edgeWithUsers();
    const sent = await subject.inject(request('SUBSCRIBE', 'alice', ['X-Trust-Level: trusted']), {
      side: 'internal',
    });
    expect(sent.responses.map((r) => r.status)).not.toContain(407);
    expect(sent.forwarded.map((f) => f.request.method)).toEqual(['SUBSCRIBE']);
    expect(sent.forwarded[0]!.request.headers.get('x-trust-level')).toBeUndefined();
  });

  it('I2 a To tag alone proves no dialog: a MESSAGE with a made-up tag and no Route through the edge is challenged', async () => {
    const subject = await edgeWithUsers();
    const forged = request('MESSAGE', 'bob').replace(`To: <${TARGET}>`, `To: <${TARGET}>;tag=made-up`);
    const result = await subject.inject(forged, { side: 'internal' });
    expect(result.responses.map((r) => r.status)).toEqual([407]);
    expect(result.forwarded).toEqual([]);
  });

  it('I2 a request inside a dialog the edge recorded (its Route entry carries the edge’s flow token) is not challenged', async () => {
    const subject = await edgeWithUsers();
    const token = flowToken({ protocol: 'tcp', address: '10.0.0.99', port: 5070 });
    const inDialog = request('MESSAGE', 'alice', [
      `Route: <sip:${token}@192.0.2.1:5060;transport=tcp;lr>, <sip:203.0.113.1:5061;transport=tls;lr>`,
    ]).replace(`To: <${TARGET}>`, `To: <${TARGET}>;tag=dave-1`);
    const result = await subject.inject(inDialog, { side: 'internal' });
    expect(result.responses.map((r) => r.status)).not.toContain(407);
    expect(result.forwarded.map((f) => f.request.method)).toEqual(['MESSAGE']);
    expect(await metric(subject)).not.toContain('outcome="challenged"');
  });

  it('I2 a peer’s MESSAGE is never challenged: the external side is authenticated by its certificate (F7)', async () => {
    const subject = await edgeWithUsers();
    const result = await subject.inject(
      [
        'MESSAGE sip:alice@a.example.com SIP/2.0',
        'Via: SIP/2.0/TLS 198.51.100.7:5061;branch=z9hG4bK-peer1',
        'Max-Forwards: 70',
        'From: <sip:dave@b.example.net>;tag=p1',
        'To: <sip:alice@a.example.com>',
        'Call-ID: peer-1',
        'CSeq: 1 MESSAGE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
      { side: 'external', peer: 'b.example.net' },
    );
    // alice has no binding: the registrar's 480, not a challenge.
    expect(result.responses.map((r) => r.status)).toEqual([480]);
  });
});
